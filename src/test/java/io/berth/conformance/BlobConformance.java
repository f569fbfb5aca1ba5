package io.berth.conformance;

import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.RegistryUnderTest.Feature;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Pulling, checking and deleting blobs; blobs are scoped to the repository they were pushed to. */
abstract class BlobConformance extends Conformance {

    @Test
    void get_answers_the_blob_with_its_digest_length_and_type() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(3000);
        String digest = pushBlob(repo, blob);

        Response get = http().get("/v2/" + repo + "/blobs/" + digest);

        assertThat(get.status()).as("%s", get).isEqualTo(200);
        assertThat(get.body()).isEqualTo(blob);
        assertThat(get.header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(get.header("Content-Length")).isEqualTo("3000");
        assertThat(get.header("Content-Type")).isNotBlank();
    }

    @Test
    void head_has_exactly_the_headers_of_get_and_no_body() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(1234);
        String digest = pushBlob(repo, blob);

        Response get = http().get("/v2/" + repo + "/blobs/" + digest);
        Response head = http().head("/v2/" + repo + "/blobs/" + digest);

        assertThat(head.status()).as("%s", head).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).isEqualTo("1234");
        assertThat(head.header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
        assertThat(comparableHeaders(head)).isEqualTo(comparableHeaders(get));
    }

    /** Headers that must not differ between two requests for the same thing (not the date or request id). */
    static Map<String, List<String>> comparableHeaders(Response response) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(response.headers());
        headers.remove("Date");
        headers.remove("X-Request-Id");
        return headers;
    }

    @Test
    void range_request_gets_206_with_content_range() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(100);
        String digest = pushBlob(repo, blob);

        Response response = http().get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=10-19");

        assertThat(response.status()).as("%s", response).isEqualTo(206);
        assertThat(response.header("Content-Range")).isEqualTo("bytes 10-19/100");
        assertThat(response.header("Content-Length")).isEqualTo("10");
        assertThat(response.body()).isEqualTo(Arrays.copyOfRange(blob, 10, 20));
    }

    @Test
    void range_to_the_end_gets_206_with_the_tail() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(100);
        String digest = pushBlob(repo, blob);

        Response response = http().get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=90-");

        assertThat(response.status()).as("%s", response).isEqualTo(206);
        assertThat(response.header("Content-Range")).isEqualTo("bytes 90-99/100");
        assertThat(response.body()).isEqualTo(Arrays.copyOfRange(blob, 90, 100));
    }

    @Test
    void suffix_range_gets_206_with_the_last_bytes() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(100);
        String digest = pushBlob(repo, blob);

        Response response = http().get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=-10");

        assertThat(response.status()).as("%s", response).isEqualTo(206);
        assertThat(response.header("Content-Range")).isEqualTo("bytes 90-99/100");
        assertThat(response.body()).isEqualTo(Arrays.copyOfRange(blob, 90, 100));
    }

    @Test
    void large_blob_round_trips_and_ranges_read_the_right_bytes() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(16 << 20);
        String digest = pushBlob(repo, blob);

        Response whole = http().get("/v2/" + repo + "/blobs/" + digest);
        Response middle = http().get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=8388000-8390047");

        assertThat(whole.header("Content-Length")).isEqualTo(String.valueOf(blob.length));
        assertThat(Content.sha256(whole.body())).isEqualTo(digest);
        assertThat(middle.status()).as("%s", middle).isEqualTo(206);
        assertThat(middle.header("Content-Range")).isEqualTo("bytes 8388000-8390047/" + blob.length);
        assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(blob, 8388000, 8390048));
    }

    @Test
    void deleted_blob_can_be_pushed_again() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(100);
        String digest = pushBlob(repo, blob);
        assertThat(http().delete("/v2/" + repo + "/blobs/" + digest).status()).isEqualTo(202);

        pushBlob(repo, blob);

        Response get = http().get("/v2/" + repo + "/blobs/" + digest);
        assertThat(get.status()).as("%s", get).isEqualTo(200);
        assertThat(get.body()).isEqualTo(blob);
    }

    @Test
    void range_past_the_end_is_clipped_to_the_size() {
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(100);
        String digest = pushBlob(repo, blob);

        Response response = http().get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=90-1000");

        assertThat(response.status()).as("%s", response).isEqualTo(206);
        assertThat(response.header("Content-Range")).isEqualTo("bytes 90-99/100");
        assertThat(response.body()).isEqualTo(Arrays.copyOfRange(blob, 90, 100));
    }

    @Test
    void range_in_an_unknown_unit_is_ignored() {
        requires(Feature.UNKNOWN_RANGE_UNIT_IGNORED);
        String repo = newRepo("blobs");
        byte[] blob = Content.randomBlob(100);
        String digest = pushBlob(repo, blob);

        Response response = http().get("/v2/" + repo + "/blobs/" + digest, "Range", "items=0-9");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.body()).isEqualTo(blob);
    }

    @Test
    void blob_is_served_unencoded_even_when_gzip_is_accepted() {
        String repo = newRepo("blobs");
        byte[] blob = new byte[20_000]; // zeros: any compressing server would compress these
        String digest = pushBlob(repo, blob);

        Response response = http().get("/v2/" + repo + "/blobs/" + digest, "Accept-Encoding", "gzip, deflate, br");

        assertThat(response.header("Content-Encoding")).isIn(null, "identity");
        assertThat(Content.sha256(response.body())).isEqualTo(digest);
    }

    @Test
    void unsatisfiable_range_gets_416_with_content_range_of_the_size() {
        String repo = newRepo("blobs");
        String digest = pushBlob(repo, Content.randomBlob(100));

        // Raw, because the reference announces the blob's Content-Length on this answer and then sends less.
        Response response = RawHttp.send(registry().hostPort(),
                RawHttp.Request.of("GET", "/v2/" + repo + "/blobs/" + digest, "Range", "bytes=100-200"));

        assertThat(response.status()).as("%s", response).isEqualTo(416);
        assertThat(response.header("Content-Range")).isEqualTo("bytes */100");
    }

    @Test
    void delete_gets_202_and_the_blob_is_gone() {
        String repo = newRepo("blobs");
        String digest = pushBlob(repo, Content.randomBlob(100));

        Response delete = http().delete("/v2/" + repo + "/blobs/" + digest);

        assertThat(delete.status()).as("%s", delete).isEqualTo(202);
        assertError(http().get("/v2/" + repo + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertThat(http().head("/v2/" + repo + "/blobs/" + digest).status()).isEqualTo(404);
    }

    @Test
    void unknown_blob_gets_404_blob_unknown() {
        String repo = newRepo("blobs");
        pushBlob(repo, Content.randomBlob(10));
        String unknown = Content.unknownDigest();

        assertError(http().get("/v2/" + repo + "/blobs/" + unknown), 404, "BLOB_UNKNOWN");
        assertThat(http().head("/v2/" + repo + "/blobs/" + unknown).status()).isEqualTo(404);
        assertError(http().delete("/v2/" + repo + "/blobs/" + unknown), 404, "BLOB_UNKNOWN");
    }

    @Test
    void blob_uploaded_to_one_repository_is_unknown_through_another() {
        String owner = newRepo("blobs");
        String stranger = newRepo("blobs");
        pushBlob(stranger, Content.randomBlob(10)); // the other repository exists
        byte[] blob = Content.randomBlob(200);
        String digest = pushBlob(owner, blob);

        assertThat(http().head("/v2/" + stranger + "/blobs/" + digest).status()).isEqualTo(404);
        assertError(http().get("/v2/" + stranger + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertError(http().delete("/v2/" + stranger + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertThat(http().get("/v2/" + owner + "/blobs/" + digest).body()).isEqualTo(blob);
    }
}
