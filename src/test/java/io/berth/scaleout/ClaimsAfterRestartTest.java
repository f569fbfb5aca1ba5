package io.berth.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes on one PostgreSQL and one bucket, each with a PATCH in flight; one is killed with SIGKILL and restarted on
 * its data directory. Its own dead claim is released at start (the upload continues at once), the other node's live
 * claim stays.
 */
@DisplayName("Upload claims after a node restart")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ClaimsAfterRestartTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final int HALF = 100_000;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void a_restarted_node_releases_its_dead_claims_and_keeps_the_other_nodes_claims() throws Exception {
        byte[] blob = new byte[2 * HALF];
        new Random(15).nextBytes(blob);
        String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
        try (SharedStores stores = SharedStores.start()) {
            Path config = stores.writeConfig(BerthServer.newDataDir().resolveSibling("berth.yaml"), "gc: {enabled: false}\n");
            Path dataA = BerthServer.newDataDir();
            BerthServer a = start(dataA, config);
            try (BerthServer b = start(BerthServer.newDataDir(), config);
                 Socket slowOnA = new Socket(); Socket slowOnB = new Socket()) {
                String onA = uploadHalf(a, "team/a", blob);
                String onB = uploadHalf(b, "team/b", blob);
                sendPartOfSecondHalf(slowOnA, a, onA, blob);
                sendPartOfSecondHalf(slowOnB, b, onB, blob);
                awaitClaimed(stores, onA);
                awaitClaimed(stores, onB);

                a.process().kill();
                a = start(dataA, config);

                HttpResponse<String> status = send(a, "GET", onA, null);
                assertThat(status.statusCode()).as(status.body()).isEqualTo(204);
                assertThat(status.headers().firstValue("Range")).contains("0-" + (HALF - 1));
                HttpResponse<String> patch = send(a, "PATCH", onA, Arrays.copyOfRange(blob, HALF, blob.length), HALF);
                assertThat(patch.statusCode()).as("own dead claim released: %s", patch.body()).isEqualTo(202);
                HttpResponse<String> put = send(a, "PUT", onA + "?digest=" + digest, null);
                assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

                HttpResponse<String> other = send(a, "PATCH", onB, Arrays.copyOfRange(blob, HALF, blob.length), HALF);
                assertThat(other.statusCode()).as("node b's live claim stays: %s", other.body()).isEqualTo(416);
            } finally {
                a.close();
            }
        }
    }

    private static BerthServer start(Path data, Path config) {
        return BerthServer.start(data, List.of("--config", config.toString()), SharedStores.NODE_ENV);
    }

    /** Starts an upload and sends its first half; returns the upload's path. */
    private static String uploadHalf(BerthServer node, String repo, byte[] blob) throws Exception {
        HttpResponse<String> post = send(node, "POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertThat(post.statusCode()).as(post.body()).isEqualTo(202);
        String path = URI.create(post.headers().firstValue("Location").orElseThrow()).getRawPath();
        HttpResponse<String> patch = send(node, "PATCH", path, Arrays.copyOfRange(blob, 0, HALF));
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(202);
        return path;
    }

    /** Starts the PATCH of the second half and sends a tenth of it, leaving the request in flight. */
    private static void sendPartOfSecondHalf(Socket socket, BerthServer node, String path, byte[] blob) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", node.baseUri().getPort()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("PATCH " + path + " HTTP/1.1\r\nHost: " + node.hostPort()
                + "\r\nContent-Type: application/octet-stream\r\nContent-Range: " + HALF + "-" + (blob.length - 1)
                + "\r\nContent-Length: " + HALF + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(blob, HALF, HALF / 10);
        out.flush();
    }

    private static void awaitClaimed(SharedStores stores, String path) throws Exception {
        String id = path.substring(path.lastIndexOf('/') + 1);
        for (int i = 0; i < 100; i++) {
            try (Connection c = stores.sql();
                 PreparedStatement s = c.prepareStatement("SELECT writer FROM uploads WHERE id = ?")) {
                s.setString(1, id);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && rs.getString(1) != null) {
                        return;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("upload " + id + " was never claimed");
    }

    private static HttpResponse<String> send(BerthServer node, String method, String path, byte[] body) throws Exception {
        return send(node, method, path, body, 0);
    }

    /** A request; with a body, a chunk starting at offset. */
    private static HttpResponse<String> send(BerthServer node, String method, String path, byte[] body, long offset)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", "application/octet-stream")
                    .header("Content-Range", offset + "-" + (offset + body.length - 1));
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
