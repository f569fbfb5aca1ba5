package io.berth.conformance;

import io.berth.testing.Response;
import io.berth.testing.RegistryApiClient;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Uploads after what a crash leaves behind: bytes that never reached the disk, and claims of a process that is gone.
 * Each test runs its own server process on its own data directory.
 */
@DisplayName("Berth upload recovery")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class UploadRecoveryTest {
    private static final String OCTETS = ChunkedUploads.OCTETS;

    /** Starts an upload and sends one chunk of 100 bytes; returns the upload's Location and its id. */
    private static String[] uploadWithOneChunk(RegistryApiClient http, String repo) {
        Response patch = ChunkedUploads.startWith(http, repo, Content.randomBlob(100));
        return new String[] {RegistryApiClient.pathAndQuery(patch.location()), patch.header("Docker-Upload-UUID")};
    }

    private static boolean sessionExists(Path data, String id) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("berth.db"));
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM uploads WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    @Test
    @Timeout(120)
    void upload_whose_bytes_were_lost_answers_unknown_on_get_patch_and_put_and_is_purged() throws Exception {
        Path data = BerthServer.newDataDir();
        String repo = Conformance.newRepo("lost");
        try (BerthServer berth = BerthServer.start(data, List.of())) {
            RegistryApiClient http = berth.api();
            String[] forGet = uploadWithOneChunk(http, repo);
            String[] forPatch = uploadWithOneChunk(http, repo);
            String[] forPut = uploadWithOneChunk(http, repo);
            for (String[] upload : List.of(forGet, forPatch, forPut)) {
                Files.delete(data.resolve("uploads").resolve(upload[1]));
            }

            Conformance.assertError(http.get(forGet[0]), 404, "BLOB_UPLOAD_UNKNOWN");
            Conformance.assertError(http.patch(forPatch[0], Content.randomBlob(10), "Content-Type", OCTETS,
                    "Content-Range", "100-109"), 404, "BLOB_UPLOAD_UNKNOWN");
            Conformance.assertError(http.put(RegistryApiClient.withQuery(forPut[0], "digest=" + Content.unknownDigest()), null),
                    404, "BLOB_UPLOAD_UNKNOWN");

            for (String[] upload : List.of(forGet, forPatch, forPut)) {
                assertThat(sessionExists(data, upload[1])).as("session of %s", upload[1]).isFalse();
                Conformance.assertError(http.get(upload[0]), 404, "BLOB_UPLOAD_UNKNOWN");
            }
            assertThat(berth.process().logText()).as("no stack trace in the log").doesNotContain("\tat ");
        }
    }

    @Test
    @Timeout(120)
    void upload_cut_short_by_kill_9_continues_at_once_after_a_restart() throws Exception {
        Path data = BerthServer.newDataDir();
        String repo = Conformance.newRepo("claim");
        byte[] blob = Content.randomBlob(200_000);
        String upload;
        BerthServer first = BerthServer.start(data, List.of());
        try (Socket slow = new Socket()) {
            Response patch = ChunkedUploads.startWith(first.api(), repo, Arrays.copyOfRange(blob, 0, 100_000));
            upload = RegistryApiClient.pathAndQuery(patch.location());

            // The second chunk's PATCH is in flight, a part of its body sent, when the server is killed.
            slow.connect(new InetSocketAddress("127.0.0.1", first.baseUri().getPort()), 5_000);
            OutputStream out = slow.getOutputStream();
            out.write(("PATCH " + upload + " HTTP/1.1\r\nHost: " + first.hostPort() + "\r\nContent-Type: " + OCTETS
                    + "\r\nContent-Range: 100000-199999\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(blob, 100_000, 10_000);
            out.flush();
            assertThat(claimedBy(data, patch.header("Docker-Upload-UUID"))).as("the PATCH in flight holds the upload")
                    .isTrue();
        } finally {
            first.process().kill();
        }

        try (BerthServer second = BerthServer.start(data, List.of())) {
            ChunkedUploads.resumeAfterKept(second.api(), repo, upload, blob, 100_000);
        }
    }

    /** Waits (bounded) until the upload's session records a writer: the server has taken the request's claim. */
    private static boolean claimedBy(Path data, String id) throws SQLException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("berth.db"));
                 PreparedStatement s = c.prepareStatement("SELECT writer FROM uploads WHERE id = ?")) {
                s.setString(1, id);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && rs.getString(1) != null) {
                        return true;
                    }
                }
            }
            Thread.sleep(50);
        }
        return false;
    }
}
