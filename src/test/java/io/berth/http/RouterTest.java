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
    void installedFiltersRunInInstallOrderInsideTheErrorMappingThatTurnsAFailureIntoTheEnvelope() throws Exception {
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
        Exchange exchange = new Exchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/denied"),
                "0123456789abcdef", null);

        Outcome outcome = HttpServer.chain(installed).filter(exchange, route, route.handler());

        assertThat(ran).containsExactly("first", "second", "handler");
        Response response = (Response) outcome;
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(new String(response.bytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"not yours\",\"detail\":null}]}");
    }
}
