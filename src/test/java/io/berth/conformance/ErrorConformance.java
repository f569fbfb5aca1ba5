package io.berth.conformance;

import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.RegistryUnderTest.Feature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Failures: the spec's JSON error envelope, malformed names and tags, and no stack traces. */
abstract class ErrorConformance extends Conformance {

    /** Requests every registry must refuse, sent raw so that nothing normalises them first. */
    private List<Response> malformedRequests() {
        String repo = newRepo("errors");
        String digest = pushBlob(repo, Content.randomBlob(100));
        String upload = pathOf(startUpload(repo).location());
        String host = registry().hostPort();
        List<RawHttp.Request> requests = List.of(
                RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/" + digest, "Range", "bytes=500-600"),
                RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/sha256:not-hex"),
                RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/" + Content.unknownDigest()),
                RawHttp.Request.of("GET", "/v2/" + repo + "/manifests/absent"),
                RawHttp.Request.of("GET", "/v2/" + repo + "/no-such-endpoint"),
                RawHttp.Request.of("GET", "/v2/" + repo + "/tags/list?n=many"),
                RawHttp.Request.of("GET", "/v2/Bad/tags/list"),
                RawHttp.Request.of("POST", "/v2/" + repo + "/blobs/uploads/?digest=not-a-digest").body(new byte[10]),
                RawHttp.Request.of("PATCH", upload, "Content-Type", "application/octet-stream", "Content-Range", "bytes=x-y")
                        .body(new byte[10]),
                RawHttp.Request.of("PUT", upload + "?digest=sha256:abc").body(new byte[0]),
                RawHttp.Request.of("PUT", "/v2/" + repo + "/manifests/v1", "Content-Type", Content.OCI_MANIFEST)
                        .body("[1, 2".getBytes(StandardCharsets.UTF_8)),
                RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/uploads/" + "0".repeat(36)),
                RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/uploads/..%2F..%2F..%2Fetc%2Fpasswd"),
                RawHttp.Request.of("PATCH", "/v2/" + repo + "/blobs/uploads/..%2F..", "Content-Type", "application/octet-stream")
                        .body(new byte[10]),
                RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/sha256:..%2F..%2F..%2Fetc%2Fpasswd"),
                RawHttp.Request.of("GET", "/v2/" + repo + "/manifests/sha256:..%2F..%2Fpasswd"),
                RawHttp.Request.of("DELETE", "/v2/" + repo + "/blobs/uploads/%2e%2e"));
        List<Response> responses = new ArrayList<>();
        for (RawHttp.Request request : requests) {
            responses.add(RawHttp.send(host, request));
        }
        return responses;
    }

    @Test
    void every_failure_answers_the_json_error_envelope_with_a_4xx_status() {
        requires(Feature.ERROR_ENVELOPE_EVERYWHERE);

        List<String> problems = new ArrayList<>();
        for (Response response : malformedRequests()) {
            try {
                assertThat(response.status()).as("%s", response).isBetween(400, 499);
                assertThat(errorCodes(response)).as("%s", response).isNotEmpty();
            } catch (AssertionError e) {
                problems.add(e.getMessage());
            }
        }
        assertThat(problems).as("failures without a proper envelope").isEmpty();
    }

    @Test
    void no_failure_body_carries_a_stack_trace() {
        for (Response response : malformedRequests()) {
            assertThat(response.text()).as("%s", response)
                    .doesNotContain("Exception", "\tat ", ".java:", "goroutine ", "panic:");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a/../b", "a/%2e%2e/b", "a/%2E%2E", "a\\b", "Upper", "lower/Upper", "trailing/"})
    void invalid_repository_name_gets_400_name_invalid(String name) {
        requires(Feature.NAME_VALIDATION);

        for (RawHttp.Request request : List.of(
                RawHttp.Request.of("GET", "/v2/" + name + "/tags/list"),
                RawHttp.Request.of("GET", "/v2/" + name + "/manifests/latest"),
                RawHttp.Request.of("HEAD", "/v2/" + name + "/blobs/" + Content.unknownDigest()),
                RawHttp.Request.of("POST", "/v2/" + name + "/blobs/uploads/").body(new byte[0]))) {
            assertError(RawHttp.send(registry().hostPort(), request), 400, "NAME_INVALID");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-leading-dash", ".leading-dot", "has%20space", "tag+plus",
            // 129 characters, one more than the tag grammar allows
            "x12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678"})
    void invalid_tag_gets_400_tag_invalid_or_manifest_invalid(String tag) {
        requires(Feature.NAME_VALIDATION);
        String repo = newRepo("errors");
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));

        Response put = RawHttp.send(registry().hostPort(),
                RawHttp.Request.of("PUT", "/v2/" + repo + "/manifests/" + tag, "Content-Type", Content.OCI_MANIFEST).body(manifest));

        assertThat(put.status()).as("%s", put).isEqualTo(400);
        assertThat(errorCodes(put)).containsAnyOf("TAG_INVALID", "MANIFEST_INVALID");
        assertThat(http().get("/v2/" + repo + "/tags/list").text()).doesNotContain(tag);
    }

    /** A 404 answer; its envelope's code checked where the registry sends an envelope on every failure. */
    private void assertNotFound(Response response, String code) {
        assertThat(response.status()).as("%s", response).isEqualTo(404);
        if (registry().supports(Feature.ERROR_ENVELOPE_EVERYWHERE) && !response.method().equals("HEAD")) {
            assertThat(errorCodes(response)).as("%s", response).containsExactly(code);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-leading-dash", ".leading-dot", "has%20space", "tag+plus",
            "x12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678"})
    void manifest_reference_that_is_neither_tag_nor_digest_gets_404_manifest_unknown(String reference) {
        assertManifestNotFound(reference);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sha256:abc", "sha256:not-hex", "sha384:abc", "sha256:..%2F..%2Fpasswd"})
    void manifest_reference_that_is_an_invalid_digest_gets_404_manifest_unknown(String reference) {
        requires(Feature.NOT_FOUND_FOR_INVALID_DIGEST);
        assertManifestNotFound(reference);
    }

    private void assertManifestNotFound(String reference) {
        String repo = newRepo("errors");
        pushImage(repo, "v1");
        String path = "/v2/" + repo + "/manifests/" + reference;

        for (String method : List.of("GET", "HEAD", "DELETE")) {
            assertNotFound(RawHttp.send(registry().hostPort(), RawHttp.Request.of(method, path, "Accept", allManifestTypes())),
                    "MANIFEST_UNKNOWN");
        }
        assertThat(getManifest(repo, "v1").status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sha256:not-hex", "sha256:abc", "sha384:abc", "notadigest", "sha256:..%2F..%2F..%2Fetc%2Fpasswd"})
    void blob_digest_that_is_not_valid_gets_404_blob_unknown(String digest) {
        requires(Feature.NOT_FOUND_FOR_INVALID_DIGEST);
        String repo = newRepo("errors");
        pushBlob(repo, Content.randomBlob(100));

        for (String method : List.of("GET", "HEAD")) {
            assertNotFound(RawHttp.send(registry().hostPort(), RawHttp.Request.of(method, "/v2/" + repo + "/blobs/" + digest)),
                    "BLOB_UNKNOWN");
        }
    }
}
