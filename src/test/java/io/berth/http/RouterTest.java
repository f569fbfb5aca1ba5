package io.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RouterTest {
    @Test
    void literalPrefixStopsBeforeTheFirstRegexConstructAndAnOptionalCharacter() {
        assertThat(Router.literalPrefix("/healthz")).isEqualTo("/healthz");
        assertThat(Router.literalPrefix("/v2/?")).isEqualTo("/v2");
        assertThat(Router.literalPrefix("/v2/(?<name>[^?#]+?)/tags/list")).isEqualTo("/v2/");
        assertThat(Router.literalPrefix("/v2/_catalog")).isEqualTo("/v2/_catalog");
        assertThat(Router.literalPrefix("/api/v1/namespaces/(?<namespace>[^/]+)/usage")).isEqualTo("/api/v1/namespaces/");
        assertThat(Router.literalPrefix("/a\\.b")).isEqualTo("/a");
    }

    @Test
    @Timeout(10)
    void installedFiltersRunInInstallOrderInsideTheChainHeadThatGivesTheIdAndTurnsAFailureIntoTheEnvelope() throws Exception {
        List<String> ran = new ArrayList<>();
        Installation installed = new Installation()
                .filter((ex, route, next) -> {
                    ran.add("first");
                    return next.handle(ex);
                })
                .filter((ex, route, next) -> {
                    ran.add("second");
                    return next.handle(ex);
                });
        Route route = new Route("denied", HttpMethod.GET, Pattern.compile("/denied"), Route.Action.NONE, ex -> {
            ran.add("handler");
            throw new RegistryException(ErrorCode.DENIED, "not yours");
        });
        Exchange exchange = new Exchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/denied"), null);

        Outcome outcome = HttpServer.chain(installed, true).run(exchange, route);

        assertThat(ran).containsExactly("first", "second", "handler");
        assertThat(exchange.requestId()).matches("[0-9a-f]{16}");
        Response response = (Response) outcome;
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(new String(response.bytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"not yours\",\"detail\":null}]}");
    }

    @Test
    void aRequestThatReachesNoRouteRunsTheChainHeadOnlyAndStillGetsAnId() throws Exception {
        List<String> ran = new ArrayList<>();
        Installation installed = new Installation().filter((ex, route, next) -> {
            ran.add("installed");
            return next.handle(ex);
        });
        Router router = new Router(List.of(), HttpServer.chain(installed, true));
        Exchange exchange = new Exchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/nowhere"), null);

        Response response = (Response) router.dispatch(exchange).run();

        assertThat(ran).isEmpty();
        assertThat(response.status().code()).isEqualTo(404);
        assertThat(exchange.requestId()).matches("[0-9a-f]{16}");
        assertThat(exchange.route()).isSameAs(Router.UNROUTED);
        assertThat(exchange.principal().isAnonymous()).isTrue();
        assertThat(exchange.pullFilter().test(new io.berth.oci.RepositoryName("library/alpine")))
                .as("nothing is readable until an access filter says so").isFalse();
    }
}
