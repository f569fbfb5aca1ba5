package io.berth.conformance;

import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.RegistryUnderTest.Feature;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The version check, health endpoints and request ids. */
abstract class ApiBaseConformance extends Conformance {

    @Test
    void version_check_answers_200_with_the_api_version_header() {
        Response response = http().get("/v2/");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    }

    @Test
    void healthz_answers_200() {
        requires(Feature.HEALTH_ENDPOINTS);

        assertThat(http().get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void readyz_answers_200() {
        requires(Feature.HEALTH_ENDPOINTS);

        assertThat(http().get("/readyz").status()).isEqualTo(200);
    }

    @Test
    void every_response_carries_a_request_id() {
        requires(Feature.REQUEST_ID);
        String repo = newRepo("base");
        String blob = pushBlob(repo, Content.randomBlob(10));
        Response upload = startUpload(repo);

        List<Response> responses = List.of(
                http().get("/v2/"),
                http().head("/v2/" + repo + "/blobs/" + Content.unknownDigest()),
                http().get("/v2/" + repo + "/manifests/missing"),
                upload,
                http().get(upload.location()),
                http().delete(upload.location()),
                http().get("/v2/" + repo + "/tags/list"),
                http().get("/no/such/route"),
                RawHttp.send(registry().hostPort(), RawHttp.Request.of("GET", "/v2/Invalid/tags/list")),
                RawHttp.send(registry().hostPort(), RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/" + blob, "Range", "bytes=99-")),
                RawHttp.exchange(registry().hostPort(), RawHttp.Request.of("PUT", "/v2/" + repo + "/manifests/v1",
                        "Content-Type", Content.OCI_MANIFEST).body("{".getBytes(StandardCharsets.UTF_8)).expectingContinue()).response());

        for (Response response : responses) {
            assertThat(response.header("X-Request-Id")).as("X-Request-Id of %s", response).isNotBlank();
        }
        assertThat(responses.stream().map(r -> r.header("X-Request-Id")).distinct()).hasSameSizeAs(responses);
    }
}
