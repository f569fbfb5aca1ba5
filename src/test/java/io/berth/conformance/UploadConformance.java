package io.berth.conformance;

import io.berth.testing.Response;
import io.berth.testing.RegistryApiClient;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.RegistryUnderTest.Feature;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Blob uploads: monolithic, chunked, mounted; their sessions, digests and headers. */
abstract class UploadConformance extends Conformance {
    private static final String OCTETS = "application/octet-stream";
    private static final String UNIT_LESS_RANGE = "0-\\d+";

    /** PATCHes one chunk with Content-Range start-end (no unit), as the spec writes it. */
    private Response patchChunk(String uploadUrl, byte[] chunk, long start) {
        return http().patch(uploadUrl, chunk, "Content-Type", OCTETS,
                "Content-Range", start + "-" + (start + chunk.length - 1));
    }

    private Response finish(String uploadUrl, String digest) {
        return http().put(RegistryApiClient.withQuery(uploadUrl, "digest=" + digest), null);
    }

    /** The origin-form request target (path and query) of a Location, for raw requests. */
    private static String target(String location) {
        URI uri = URI.create(location);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static void assertUploadHeaders(Response response) {
        assertThat(response.header("Location")).as("Location of %s", response).isNotBlank();
        assertThat(response.header("Docker-Upload-UUID")).as("Docker-Upload-UUID of %s", response).isNotBlank();
        assertThat(response.header("Range")).as("Range of %s", response).matches(UNIT_LESS_RANGE);
    }

    private static void assertCreatedBlob(Response response, String repo, String digest) {
        assertThat(response.status()).as("%s", response).isEqualTo(201);
        assertThat(pathOf(response.location())).isEqualTo("/v2/" + repo + "/blobs/" + digest);
        assertThat(response.header("Docker-Content-Digest")).isEqualTo(digest);
    }

    // ---- starting and finishing ---------------------------------------------------------------------------------

    @Test
    void post_starts_an_upload_with_location_uuid_and_range_0_0() {
        String repo = newRepo("uploads");

        Response response = http().post("/v2/" + repo + "/blobs/uploads/", null);

        assertThat(response.status()).as("%s", response).isEqualTo(202);
        assertUploadHeaders(response);
        assertThat(response.header("Range")).isEqualTo("0-0");
        assertThat(pathOf(response.location())).startsWith("/v2/" + repo + "/blobs/uploads/")
                .contains(response.header("Docker-Upload-UUID"));
    }

    @Test
    void post_then_put_with_digest_creates_the_blob() {
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(5000);
        String digest = Content.sha256(blob);

        Response put = http().put(RegistryApiClient.withQuery(startUpload(repo).location(), "digest=" + digest), blob,
                "Content-Type", OCTETS);

        assertCreatedBlob(put, repo, digest);
        assertThat(http().get(put.location()).body()).isEqualTo(blob);
    }

    @Test
    void monolithic_post_with_digest_creates_the_blob() {
        requires(Feature.MONOLITHIC_POST);
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(5000);
        String digest = Content.sha256(blob);

        Response post = http().post("/v2/" + repo + "/blobs/uploads/?digest=" + digest, blob, "Content-Type", OCTETS);

        assertCreatedBlob(post, repo, digest);
        assertThat(http().get("/v2/" + repo + "/blobs/" + digest).body()).isEqualTo(blob);
    }

    @Test
    void monolithic_post_with_a_wrong_digest_gets_400_digest_invalid() {
        requires(Feature.MONOLITHIC_POST);
        String repo = newRepo("uploads");
        String claimed = Content.unknownDigest();

        Response post = http().post("/v2/" + repo + "/blobs/uploads/?digest=" + claimed, Content.randomBlob(100),
                "Content-Type", OCTETS);

        assertError(post, 400, "DIGEST_INVALID");
        assertThat(http().head("/v2/" + repo + "/blobs/" + claimed).status()).isEqualTo(404);
    }

    @Test
    void zero_byte_blob_can_be_pushed_and_pulled() {
        String repo = newRepo("uploads");
        String digest = Content.sha256(new byte[0]);

        Response put = http().put(RegistryApiClient.withQuery(startUpload(repo).location(), "digest=" + digest), new byte[0],
                "Content-Type", OCTETS);

        assertCreatedBlob(put, repo, digest);
        Response head = http().head("/v2/" + repo + "/blobs/" + digest);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo("0");
        Response get = http().get("/v2/" + repo + "/blobs/" + digest);
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body()).isEmpty();
    }

    // ---- mounting ------------------------------------------------------------------------------------------------

    @Test
    void mount_from_another_repository_gets_201_with_the_blob_location() {
        String source = newRepo("uploads");
        String target = newRepo("uploads");
        byte[] blob = Content.randomBlob(300);
        String digest = pushBlob(source, blob);

        Response mount = http().post("/v2/" + target + "/blobs/uploads/?mount=" + digest + "&from=" + source, null);

        assertCreatedBlob(mount, target, digest);
        assertThat(http().get("/v2/" + target + "/blobs/" + digest).body()).isEqualTo(blob);
    }

    @Test
    void mount_without_from_of_a_blob_the_registry_holds_gets_201() {
        requires(Feature.MOUNT_WITHOUT_FROM);
        String source = newRepo("uploads");
        String target = newRepo("uploads");
        byte[] blob = Content.randomBlob(300);
        String digest = pushBlob(source, blob);

        Response mount = http().post("/v2/" + target + "/blobs/uploads/?mount=" + digest, null);

        assertCreatedBlob(mount, target, digest);
        assertThat(http().get("/v2/" + target + "/blobs/" + digest).body()).isEqualTo(blob);
    }

    @Test
    void mount_from_an_unreadable_repository_of_a_blob_the_registry_holds_gets_201() {
        requires(Feature.MOUNT_WITHOUT_FROM);
        String source = newRepo("uploads");
        String target = newRepo("uploads");
        byte[] blob = Content.randomBlob(300);
        String digest = pushBlob(source, blob);

        Response mount = http().post("/v2/" + target + "/blobs/uploads/?mount=" + digest + "&from=" + newRepo("nowhere"), null);

        assertCreatedBlob(mount, target, digest);
        assertThat(http().get("/v2/" + target + "/blobs/" + digest).body()).isEqualTo(blob);
    }

    @Test
    void mount_of_an_unknown_blob_gets_202_and_an_upload_session() {
        String source = newRepo("uploads");
        String target = newRepo("uploads");
        pushBlob(source, Content.randomBlob(10));

        Response mount = http().post("/v2/" + target + "/blobs/uploads/?mount=" + Content.unknownDigest() + "&from=" + source, null);

        assertThat(mount.status()).as("%s", mount).isEqualTo(202);
        assertUploadHeaders(mount);
        assertThat(http().get(mount.location()).status()).isEqualTo(204);
    }

    // ---- chunks --------------------------------------------------------------------------------------------------

    @Test
    void chunks_with_content_range_append_in_order_and_put_without_body_finishes() {
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(3000);
        String url = startUpload(repo).location();

        Response first = patchChunk(url, Arrays.copyOfRange(blob, 0, 1000), 0);
        assertThat(first.status()).as("%s", first).isEqualTo(202);
        assertThat(first.header("Range")).isEqualTo("0-999");
        Response second = patchChunk(first.location(), Arrays.copyOfRange(blob, 1000, 3000), 1000);
        assertThat(second.status()).as("%s", second).isEqualTo(202);
        assertThat(second.header("Range")).isEqualTo("0-2999");
        Response put = finish(second.location(), Content.sha256(blob));

        assertCreatedBlob(put, repo, Content.sha256(blob));
        assertThat(http().get("/v2/" + repo + "/blobs/" + Content.sha256(blob)).body()).isEqualTo(blob);
    }

    @Test
    void put_with_the_final_chunk_finishes_the_upload() {
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(2000);
        String digest = Content.sha256(blob);
        Response first = patchChunk(startUpload(repo).location(), Arrays.copyOfRange(blob, 0, 1500), 0);
        assertThat(first.status()).as("%s", first).isEqualTo(202);

        Response put = http().put(RegistryApiClient.withQuery(first.location(), "digest=" + digest), Arrays.copyOfRange(blob, 1500, 2000),
                "Content-Type", OCTETS, "Content-Range", "1500-1999");

        assertCreatedBlob(put, repo, digest);
        assertThat(http().get("/v2/" + repo + "/blobs/" + digest).body()).isEqualTo(blob);
    }

    @Test
    void chunk_out_of_order_gets_416_and_the_upload_stays_open() {
        requires(Feature.CHUNK_RANGE_CHECK);
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(300);
        Response first = patchChunk(startUpload(repo).location(), Arrays.copyOfRange(blob, 0, 100), 0);
        assertThat(first.status()).as("%s", first).isEqualTo(202);

        Response skipped = patchChunk(first.location(), Arrays.copyOfRange(blob, 200, 300), 200);

        assertThat(skipped.status()).as("%s", skipped).isEqualTo(416);
        Response status = http().get(first.location());
        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Range")).isEqualTo("0-99");
        Response rest = patchChunk(status.location(), Arrays.copyOfRange(blob, 100, 300), 100);
        assertThat(rest.status()).as("%s", rest).isEqualTo(202);
        assertCreatedBlob(finish(rest.location(), Content.sha256(blob)), repo, Content.sha256(blob));
        assertThat(http().get("/v2/" + repo + "/blobs/" + Content.sha256(blob)).body()).isEqualTo(blob);
    }

    @Test
    void closing_put_whose_range_does_not_follow_the_upload_gets_400_and_the_upload_stays_open() {
        requires(Feature.CHUNK_RANGE_CHECK);
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(300);
        Response first = patchChunk(startUpload(repo).location(), Arrays.copyOfRange(blob, 0, 100), 0);
        assertThat(first.status()).as("%s", first).isEqualTo(202);

        Response skipped = http().put(RegistryApiClient.withQuery(first.location(), "digest=" + Content.sha256(blob)),
                Arrays.copyOfRange(blob, 200, 300), "Content-Type", OCTETS, "Content-Range", "200-299");

        assertError(skipped, 400, "BLOB_UPLOAD_INVALID");
        assertThat(skipped.header("Range")).isEqualTo("0-99");
        Response status = http().get(first.location());
        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Range")).isEqualTo("0-99");
        Response rest = http().put(RegistryApiClient.withQuery(status.location(), "digest=" + Content.sha256(blob)),
                Arrays.copyOfRange(blob, 100, 300), "Content-Type", OCTETS, "Content-Range", "100-299");
        assertCreatedBlob(rest, repo, Content.sha256(blob));
    }

    @Test
    void mount_of_a_digest_that_is_not_valid_opens_an_upload_session_instead() {
        String repo = newRepo("uploads");
        String other = newRepo("uploads");
        pushBlob(other, Content.randomBlob(100));

        Response mount = http().post("/v2/" + repo + "/blobs/uploads/?mount=sha256:not-hex&from=" + other, null);

        assertThat(mount.status()).as("%s", mount).isEqualTo(202);
        byte[] blob = Content.randomBlob(200);
        Response put = http().put(RegistryApiClient.withQuery(mount.location(), "digest=" + Content.sha256(blob)), blob,
                "Content-Type", OCTETS);
        assertCreatedBlob(put, repo, Content.sha256(blob));
    }

    @Test
    void repeated_chunk_gets_416_and_the_upload_stays_open() {
        requires(Feature.CHUNK_RANGE_CHECK);
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(200);
        byte[] head = Arrays.copyOfRange(blob, 0, 100);
        Response first = patchChunk(startUpload(repo).location(), head, 0);
        assertThat(first.status()).as("%s", first).isEqualTo(202);

        Response repeated = patchChunk(first.location(), head, 0);

        assertThat(repeated.status()).as("%s", repeated).isEqualTo(416);
        Response status = http().get(first.location());
        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Range")).isEqualTo("0-99");
        Response rest = patchChunk(status.location(), Arrays.copyOfRange(blob, 100, 200), 100);
        assertThat(rest.status()).as("%s", rest).isEqualTo(202);
        assertCreatedBlob(finish(rest.location(), Content.sha256(blob)), repo, Content.sha256(blob));
        assertThat(http().get("/v2/" + repo + "/blobs/" + Content.sha256(blob)).body()).isEqualTo(blob);
    }

    @Test
    void chunked_transfer_patch_without_content_range_or_length_appends() {
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(200_000);
        Response first = patchChunk(startUpload(repo).location(), Arrays.copyOfRange(blob, 0, 1000), 0);
        assertThat(first.status()).as("%s", first).isEqualTo(202);

        Response streamed = RawHttp.send(registry().hostPort(),
                RawHttp.Request.of("PATCH", target(first.location()), "Content-Type", OCTETS)
                        .chunkedBody(Arrays.copyOfRange(blob, 1000, blob.length)));

        assertThat(streamed.status()).as("%s", streamed).isEqualTo(202);
        assertThat(streamed.header("Range")).isEqualTo("0-199999");
        assertCreatedBlob(finish(streamed.location(), Content.sha256(blob)), repo, Content.sha256(blob));
        assertThat(http().get("/v2/" + repo + "/blobs/" + Content.sha256(blob)).body()).isEqualTo(blob);
    }

    @Test
    void concurrent_chunks_at_the_same_offset_append_once_and_the_loser_gets_416() throws Exception {
        requires(Feature.CHUNK_RANGE_CHECK);
        String repo = newRepo("uploads");
        byte[] chunk = Content.randomBlob(1 << 20);
        String url = startUpload(repo).location();

        List<Response> responses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<Response> first = pool.submit(() -> patchChunk(url, chunk, 0));
            Future<Response> second = pool.submit(() -> patchChunk(url, chunk, 0));
            responses.add(first.get());
            responses.add(second.get());
        }

        assertThat(responses).extracting(Response::status).as("%s", responses).containsExactlyInAnyOrder(202, 416);
        Response status = http().get(url);
        assertThat(status.header("Range")).isEqualTo("0-" + (chunk.length - 1));
        assertCreatedBlob(finish(status.location(), Content.sha256(chunk)), repo, Content.sha256(chunk));
    }

    @Test
    void finished_upload_is_closed() {
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(100);
        Response patch = patchChunk(startUpload(repo).location(), blob, 0);
        assertThat(finish(patch.location(), Content.sha256(blob)).status()).isEqualTo(201);

        assertError(http().get(patch.location()), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void mounted_blob_survives_deletion_from_its_source_repository() {
        String source = newRepo("uploads");
        String target = newRepo("uploads");
        byte[] blob = Content.randomBlob(300);
        String digest = pushBlob(source, blob);
        assertThat(http().post("/v2/" + target + "/blobs/uploads/?mount=" + digest + "&from=" + source, null).status())
                .isEqualTo(201);

        assertThat(http().delete("/v2/" + source + "/blobs/" + digest).status()).isEqualTo(202);

        assertThat(http().get("/v2/" + target + "/blobs/" + digest).body()).isEqualTo(blob);
        assertThat(http().head("/v2/" + source + "/blobs/" + digest).status()).isEqualTo(404);
    }

    // ---- session status and headers -------------------------------------------------------------------------------

    @Test
    void upload_status_answers_204_with_range_and_location() {
        String repo = newRepo("uploads");
        Response first = patchChunk(startUpload(repo).location(), Content.randomBlob(7), 0);

        Response status = http().get(first.location());

        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Range")).isEqualTo("0-6");
        assertThat(pathOf(status.location())).startsWith("/v2/" + repo + "/blobs/uploads/");
        assertThat(status.header("Docker-Upload-UUID")).isEqualTo(first.header("Docker-Upload-UUID"));
    }

    @Test
    void every_upload_response_has_location_uuid_and_a_range_without_unit() {
        String repo = newRepo("uploads");
        Response post = startUpload(repo);
        Response patch = patchChunk(post.location(), Content.randomBlob(10), 0);
        Response status = http().get(patch.location());

        for (Response response : List.of(post, patch, status)) {
            assertUploadHeaders(response);
        }
        assertThat(status.header("Docker-Upload-UUID")).isEqualTo(post.header("Docker-Upload-UUID"));
    }

    @Test
    void delete_upload_cancels_it_with_204_then_404_blob_upload_unknown() {
        String repo = newRepo("uploads");
        Response patch = patchChunk(startUpload(repo).location(), Content.randomBlob(10), 0);

        Response cancel = http().delete(patch.location());

        assertThat(cancel.status()).as("%s", cancel).isEqualTo(204);
        assertError(http().get(patch.location()), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void unknown_upload_gets_404_blob_upload_unknown() {
        requires(Feature.UPLOAD_UNKNOWN_CODE);
        String repo = newRepo("uploads");
        pushBlob(repo, Content.randomBlob(10));
        String url = "/v2/" + repo + "/blobs/uploads/" + UUID.randomUUID();

        assertError(http().get(url), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(http().patch(url, Content.randomBlob(10), "Content-Type", OCTETS, "Content-Range", "0-9"), 404,
                "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void put_without_digest_gets_400_digest_invalid() {
        String repo = newRepo("uploads");
        Response patch = patchChunk(startUpload(repo).location(), Content.randomBlob(10), 0);

        Response put = http().put(patch.location(), null);

        assertError(put, 400, "DIGEST_INVALID");
    }

    @Test
    void upload_is_unknown_through_another_repository() {
        requires(Feature.UPLOAD_UNKNOWN_CODE);
        String owner = newRepo("uploads");
        String stranger = newRepo("uploads");
        pushBlob(stranger, Content.randomBlob(10));
        byte[] chunk = Content.randomBlob(10);
        Response patch = patchChunk(startUpload(owner).location(), chunk, 0);
        String foreign = target(patch.location()).replace("/v2/" + owner + "/", "/v2/" + stranger + "/");

        assertError(http().get(foreign), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(http().put(RegistryApiClient.withQuery(foreign, "digest=" + Content.sha256(chunk)), null), 404, "BLOB_UPLOAD_UNKNOWN");
        assertThat(http().head("/v2/" + stranger + "/blobs/" + Content.sha256(chunk)).status()).isEqualTo(404);
        assertThat(http().get(patch.location()).status()).isEqualTo(204);
    }

    // ---- digests ---------------------------------------------------------------------------------------------------

    @Test
    void wrong_sha256_digest_gets_400_digest_invalid() {
        String repo = newRepo("uploads");
        String claimed = Content.sha256(Content.randomBlob(100));

        Response put = http().put(RegistryApiClient.withQuery(startUpload(repo).location(), "digest=" + claimed), Content.randomBlob(100),
                "Content-Type", OCTETS);

        assertError(put, 400, "DIGEST_INVALID");
        assertThat(http().head("/v2/" + repo + "/blobs/" + claimed).status()).isEqualTo(404);
    }

    @Test
    void wrong_sha512_digest_gets_400_digest_invalid() {
        String repo = newRepo("uploads");
        String claimed = Content.sha512(Content.randomBlob(100));

        Response put = http().put(RegistryApiClient.withQuery(startUpload(repo).location(), "digest=" + claimed), Content.randomBlob(100),
                "Content-Type", OCTETS);

        assertError(put, 400, "DIGEST_INVALID");
        assertThat(http().head("/v2/" + repo + "/blobs/" + claimed).status()).isEqualTo(404);
    }

    @Test
    void sha512_blob_is_verified_and_served_by_its_sha512_digest() {
        requires(Feature.SHA512);
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(1000);
        String digest = Content.sha512(blob);

        Response put = http().put(RegistryApiClient.withQuery(startUpload(repo).location(), "digest=" + digest), blob,
                "Content-Type", OCTETS);

        assertCreatedBlob(put, repo, digest);
        Response get = http().get("/v2/" + repo + "/blobs/" + digest);
        assertThat(get.body()).isEqualTo(blob);
        assertThat(get.header("Docker-Content-Digest")).isEqualTo(digest);
    }

    @Test
    void digest_algorithm_sha512_on_post_hashes_the_upload_with_sha512() {
        requires(Feature.SHA512);
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(1000);
        String digest = Content.sha512(blob);

        Response post = http().post("/v2/" + repo + "/blobs/uploads/?digest-algorithm=sha512", null);
        assertThat(post.status()).as("%s", post).isEqualTo(202);
        Response patch = patchChunk(post.location(), blob, 0);
        assertThat(patch.status()).as("%s", patch).isEqualTo(202);
        Response put = finish(patch.location(), digest);

        assertCreatedBlob(put, repo, digest);
        assertThat(http().get("/v2/" + repo + "/blobs/" + digest).body()).isEqualTo(blob);
    }

    // ---- HTTP details ----------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"blob PUT", "chunk PATCH", "manifest PUT"})
    void expect_100_continue_is_answered_with_100_then_the_final_answer(String request) {
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(50_000);
        String digest = Content.sha256(blob);
        String upload = target(startUpload(repo).location());
        byte[] manifest = request.equals("manifest PUT") ? Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST)) : null;
        RawHttp.Request raw = switch (request) {
            case "blob PUT" -> RawHttp.Request.of("PUT", RegistryApiClient.withQuery(upload, "digest=" + digest), "Content-Type", OCTETS).body(blob);
            case "chunk PATCH" -> RawHttp.Request.of("PATCH", upload, "Content-Type", OCTETS, "Content-Range", "0-49999").body(blob);
            default -> RawHttp.Request.of("PUT", "/v2/" + repo + "/manifests/v1", "Content-Type", Content.OCI_MANIFEST).body(manifest);
        };

        RawHttp.Exchange exchange = RawHttp.exchange(registry().hostPort(), raw.expectingContinue());

        assertThat(exchange.interim()).extracting(Response::status).containsExactly(100);
        switch (request) {
            case "blob PUT" -> {
                assertCreatedBlob(exchange.response(), repo, digest);
                assertThat(http().get("/v2/" + repo + "/blobs/" + digest).body()).isEqualTo(blob);
            }
            case "chunk PATCH" -> {
                assertThat(exchange.response().status()).as("%s", exchange.response()).isEqualTo(202);
                assertThat(exchange.response().header("Range")).isEqualTo("0-49999");
            }
            default -> {
                assertThat(exchange.response().status()).as("%s", exchange.response()).isEqualTo(201);
                assertThat(getManifest(repo, "v1").body()).isEqualTo(manifest);
            }
        }
    }

    @Test
    void locations_honour_x_forwarded_proto_and_host() {
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(100);
        String digest = Content.sha256(blob);
        String[] forwarded = {"X-Forwarded-Proto", "https", "X-Forwarded-Host", "registry.example.com:8443"};
        String prefix = "https://registry.example.com:8443/v2/" + repo + "/";

        Response post = http().post("/v2/" + repo + "/blobs/uploads/", null, forwarded);
        assertThat(post.location()).startsWith(prefix + "blobs/uploads/");
        Response patch = http().send("PATCH", target(post.location()), blob, concat(forwarded,
                "Content-Type", OCTETS, "Content-Range", "0-99"));
        assertThat(patch.location()).startsWith(prefix + "blobs/uploads/");
        Response put = http().send("PUT", RegistryApiClient.withQuery(target(patch.location()), "digest=" + digest), null, forwarded);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.location()).isEqualTo(prefix + "blobs/" + digest);
        String target = newRepo("uploads");
        Response mount = http().post("/v2/" + target + "/blobs/uploads/?mount=" + digest + "&from=" + repo, null, forwarded);
        assertThat(mount.status()).as("%s", mount).isEqualTo(201);
        assertThat(mount.location()).isEqualTo("https://registry.example.com:8443/v2/" + target + "/blobs/" + digest);
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));
        Response manifestPut = http().put("/v2/" + repo + "/manifests/v1", manifest,
                concat(forwarded, "Content-Type", Content.OCI_MANIFEST));
        assertThat(manifestPut.status()).as("%s", manifestPut).isEqualTo(201);
        assertThat(manifestPut.location()).startsWith(prefix + "manifests/");
    }

    private static String[] concat(String[] first, String... second) {
        String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    // ---- concurrency -----------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"post then put", "single post"})
    void eight_concurrent_monolithic_pushes_of_one_blob_all_succeed(String mode) throws Exception {
        if (mode.equals("single post")) {
            requires(Feature.MONOLITHIC_POST);
        }
        String repo = newRepo("uploads");
        byte[] blob = Content.randomBlob(1 << 20);
        String digest = Content.sha256(blob);
        Callable<Response> push = () -> mode.equals("single post")
                ? http().post("/v2/" + repo + "/blobs/uploads/?digest=" + digest, blob, "Content-Type", OCTETS)
                : http().put(RegistryApiClient.withQuery(startUpload(repo).location(), "digest=" + digest), blob, "Content-Type", OCTETS);

        List<Response> responses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(push));
            }
            for (Future<Response> future : futures) {
                responses.add(future.get());
            }
        }

        for (Response response : responses) {
            assertCreatedBlob(response, repo, digest);
        }
        Response get = http().get("/v2/" + repo + "/blobs/" + digest);
        assertThat(get.header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(Content.sha256(get.body())).isEqualTo(digest);
    }
}
