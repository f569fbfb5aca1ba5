package io.berth.conformance;

import io.berth.testing.Response;
import io.berth.testing.RegistryApiClient;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryUnderTest;
import io.berth.testing.Started;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Berth's HTTP/1.1 connections, written by hand over a socket: requests pipelined back to back are each answered, in
 * order, and a body the decoder cannot read (a broken chunk) ends its request with 400 and stores nothing.
 */
class HttpConnectionTest extends Conformance {
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
    @RegisterExtension
    static final Started<BerthServer> berth = Started.by(BerthServer::start);

    @Override
    protected RegistryUnderTest registry() {
        return berth.get();
    }

    private String host() {
        return berth.get().hostPort();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A chunked body: content as one valid chunk, then a chunk whose size line is not hex. */
    private static byte[] brokenChunks(byte[] content) {
        return concat(ascii(Integer.toHexString(content.length) + "\r\n"), content, CRLF, ascii("zz\r\n"));
    }

    // ---- pipelining ---------------------------------------------------------------------------------------------

    @Test
    void pipelined_gets_of_a_blob_and_a_manifest_are_each_answered_in_order() {
        String repo = newRepo("pipeline");
        byte[] manifest = pushImage(repo, "v1");
        byte[] blob = Content.randomBlob(300_000);
        String digest = pushBlob(repo, blob);

        byte[] wire = concat(
                RawHttp.wire(host(), "GET", "/v2/" + repo + "/blobs/" + digest, null),
                RawHttp.wire(host(), "GET", "/v2/" + repo + "/manifests/v1", null, "Accept", Content.OCI_MANIFEST),
                RawHttp.wire(host(), "HEAD", "/v2/" + repo + "/blobs/" + digest, null),
                RawHttp.wire(host(), "GET", "/v2/", null, "Connection", "close"));
        List<Response> answers = RawHttp.pipelined(host(), wire, "GET", "GET", "HEAD", "GET");

        assertThat(answers).hasSize(4);
        assertThat(answers.get(0).status()).isEqualTo(200);
        assertThat(answers.get(0).body()).isEqualTo(blob);
        assertThat(answers.get(1).status()).isEqualTo(200);
        assertThat(answers.get(1).body()).isEqualTo(manifest);
        assertThat(answers.get(2).status()).isEqualTo(200);
        assertThat(answers.get(2).header("Content-Length")).isEqualTo(Integer.toString(blob.length));
        assertThat(answers.get(3).status()).isEqualTo(200);
        assertThat(answers.get(3).text()).isEqualTo("{}");
    }

    @Test
    void a_pipelined_get_after_a_monolithic_post_sees_the_blob_it_stored() {
        String repo = newRepo("pipeline");
        byte[] blob = Content.randomBlob(2 << 20);
        String digest = Content.sha256(blob);

        byte[] wire = concat(
                RawHttp.wire(host(), "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, blob,
                        "Content-Type", "application/octet-stream", "Content-Length", Integer.toString(blob.length)),
                RawHttp.wire(host(), "GET", "/v2/" + repo + "/blobs/" + digest, null, "Connection", "close"));
        List<Response> answers = RawHttp.pipelined(host(), wire, "POST", "GET");

        assertThat(answers).hasSize(2);
        assertThat(answers.get(0).status()).as("%s", answers.get(0)).isEqualTo(201);
        assertThat(answers.get(1).status()).as("%s", answers.get(1)).isEqualTo(200);
        assertThat(answers.get(1).body()).isEqualTo(blob);
    }

    @Test
    void pipelined_patches_with_bodies_are_each_answered_and_the_status_after_them_counts_both() {
        String repo = newRepo("pipeline");
        String upload = pathOf(startUpload(repo).location());
        byte[] first = Content.randomBlob(100_000);
        byte[] second = Content.randomBlob(50_000);

        byte[] wire = concat(
                RawHttp.wire(host(), "PATCH", upload, first, "Content-Type", "application/octet-stream",
                        "Content-Length", Integer.toString(first.length)),
                RawHttp.wire(host(), "PATCH", upload, RawHttp.chunked(second, 16 * 1024),
                        "Content-Type", "application/octet-stream", "Transfer-Encoding", "chunked"),
                RawHttp.wire(host(), "GET", upload, null, "Connection", "close"));
        List<Response> answers = RawHttp.pipelined(host(), wire, "PATCH", "PATCH", "GET");

        assertThat(answers).hasSize(3);
        assertThat(answers.get(0).status()).as("%s", answers.get(0)).isEqualTo(202);
        assertThat(answers.get(0).header("Range")).isEqualTo("0-" + (first.length - 1));
        assertThat(answers.get(1).status()).as("%s", answers.get(1)).isEqualTo(202);
        assertThat(answers.get(1).header("Range")).isEqualTo("0-" + (first.length + second.length - 1));
        assertThat(answers.get(2).status()).as("%s", answers.get(2)).isEqualTo(204);
        assertThat(answers.get(2).header("Range")).isEqualTo("0-" + (first.length + second.length - 1));
    }

    @Test
    void a_request_refused_before_its_body_is_read_still_lets_the_pipelined_one_behind_it_be_answered() {
        String repo = newRepo("pipeline");
        byte[] body = Content.randomBlob(200_000);

        byte[] wire = concat(
                RawHttp.wire(host(), "PATCH", "/v2/" + repo + "/blobs/uploads/" + "0".repeat(36), body,
                        "Content-Type", "application/octet-stream", "Content-Length", Integer.toString(body.length)),
                RawHttp.wire(host(), "GET", "/v2/", null, "Connection", "close"));
        List<Response> answers = RawHttp.pipelined(host(), wire, "PATCH", "GET");

        assertThat(answers).hasSize(2);
        assertError(answers.get(0), 404, "BLOB_UPLOAD_UNKNOWN");
        assertThat(answers.get(1).status()).isEqualTo(200);
    }

    // ---- malformed chunked bodies ---------------------------------------------------------------------------------

    @Test
    void a_monolithic_post_with_a_broken_chunk_gets_400_and_stores_no_blob() {
        String repo = newRepo("chunks");
        byte[] blob = ascii("hello");
        String digest = Content.sha256(blob);

        List<Response> answers = RawHttp.pipelined(host(), RawHttp.wire(host(), "POST",
                "/v2/" + repo + "/blobs/uploads/?digest=" + digest, brokenChunks(blob),
                "Content-Type", "application/octet-stream", "Transfer-Encoding", "chunked"), "POST");

        assertThat(answers).hasSize(1);
        assertError(answers.get(0), 400, "BLOB_UPLOAD_INVALID");
        assertThat(http().head("/v2/" + repo + "/blobs/" + digest).status()).isEqualTo(404);
    }

    @Test
    void a_patch_with_a_broken_chunk_gets_400_and_the_upload_keeps_only_its_earlier_bytes() {
        String repo = newRepo("chunks");
        String upload = pathOf(startUpload(repo).location());
        byte[] valid = Content.randomBlob(1000);
        Response first = http().patch(upload, valid, "Content-Type", "application/octet-stream");
        assertThat(first.status()).as("%s", first).isEqualTo(202);

        List<Response> answers = RawHttp.pipelined(host(), RawHttp.wire(host(), "PATCH", upload,
                brokenChunks(ascii("hello")), "Content-Type", "application/octet-stream", "Transfer-Encoding", "chunked"),
                "PATCH");

        assertThat(answers).hasSize(1);
        assertError(answers.get(0), 400, "BLOB_UPLOAD_INVALID");
        Response status = http().get(upload);
        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Range")).isEqualTo("0-" + (valid.length - 1));
        Response put = http().put(RegistryApiClient.withQuery(upload, "digest=" + Content.sha256(valid)), new byte[0]);
        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(http().get("/v2/" + repo + "/blobs/" + Content.sha256(valid)).body()).isEqualTo(valid);
    }

    @Test
    void a_closing_put_with_a_broken_chunk_gets_400_and_commits_nothing() {
        String repo = newRepo("chunks");
        String upload = pathOf(startUpload(repo).location());
        byte[] blob = Content.randomBlob(4000);
        String digest = Content.sha256(blob);

        List<Response> answers = RawHttp.pipelined(host(), RawHttp.wire(host(), "PUT",
                upload + "?digest=" + digest, brokenChunks(blob),
                "Content-Type", "application/octet-stream", "Transfer-Encoding", "chunked"), "PUT");

        assertThat(answers).hasSize(1);
        assertError(answers.get(0), 400, "BLOB_UPLOAD_INVALID");
        assertThat(http().head("/v2/" + repo + "/blobs/" + digest).status()).isEqualTo(404);
        Response status = http().get(upload);
        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Range")).isEqualTo("0-0");
    }

    @Test
    void a_manifest_put_with_a_broken_chunk_gets_400_and_stores_no_manifest() {
        String repo = newRepo("chunks");
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));

        List<Response> answers = RawHttp.pipelined(host(), RawHttp.wire(host(), "PUT", "/v2/" + repo + "/manifests/v1",
                brokenChunks(manifest), "Content-Type", Content.OCI_MANIFEST, "Transfer-Encoding", "chunked"), "PUT");

        assertThat(answers).hasSize(1);
        assertError(answers.get(0), 400, "MANIFEST_INVALID");
        assertThat(getManifest(repo, "v1").status()).isEqualTo(404);
        assertThat(getManifest(repo, Content.sha256(manifest)).status()).isEqualTo(404);
        assertThat(http().get("/v2/" + repo + "/tags/list").text()).doesNotContain("v1");
    }

    @Test
    void a_chunked_upload_cut_off_mid_body_commits_nothing() throws IOException {
        String repo = newRepo("chunks");
        byte[] blob = Content.randomBlob(10_000);
        String digest = Content.sha256(blob);
        byte[] wire = RawHttp.wire(host(), "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest,
                concat(ascii(Integer.toHexString(blob.length) + "\r\n"), blob, CRLF),
                "Content-Type", "application/octet-stream", "Transfer-Encoding", "chunked");

        String[] hp = host().split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(wire);
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            byte[] answer = in.readAllBytes();
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/1.1 201");
        }

        assertThat(http().head("/v2/" + repo + "/blobs/" + digest).status()).isEqualTo(404);
    }

    @Test
    void a_valid_chunked_body_still_commits() {
        String repo = newRepo("chunks");
        byte[] blob = Content.randomBlob(70_000);
        String digest = Content.sha256(blob);

        List<Response> answers = RawHttp.pipelined(host(), RawHttp.wire(host(), "POST",
                "/v2/" + repo + "/blobs/uploads/?digest=" + digest, RawHttp.chunked(blob, 8192),
                "Content-Type", "application/octet-stream", "Transfer-Encoding", "chunked", "Connection", "close"), "POST");

        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).status()).as("%s", answers.get(0)).isEqualTo(201);
        assertThat(Arrays.equals(http().get("/v2/" + repo + "/blobs/" + digest).body(), blob)).isTrue();
    }
}
