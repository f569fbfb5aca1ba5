package io.berth.conformance;

import io.berth.testing.Response;
import io.berth.testing.RegistryApiClient;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Upload sessions live in Berth's stores, not in a server process: they survive a restart, and idle ones are
 * purged. Berth only: each test starts its own servers on its own data directory (the reference keeps its
 * session state in the upload URL and is not restarted here).
 */
@DisplayName("Berth upload sessions")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class UploadSessionLifecycleTest {
    private static final String OCTETS = ChunkedUploads.OCTETS;

    /**
     * Starts Berth on data, uploads blob's first 100000 bytes to repo, then stops Berth: kill -9 if crash, else a clean
     * stop. Returns the upload's path.
     */
    private static String firstChunkThenStop(Path data, String repo, byte[] blob, boolean crash) {
        BerthServer first = BerthServer.start(data, List.of());
        try {
            Response patch = ChunkedUploads.startWith(first.api(), repo, Arrays.copyOfRange(blob, 0, 100_000));
            return RegistryApiClient.pathAndQuery(patch.location());
        } finally {
            if (crash) {
                first.process().kill();
            } else {
                first.close();
            }
        }
    }

    @Test
    @Timeout(120)
    void upload_survives_a_restart() {
        Path data = BerthServer.newDataDir();
        String repo = Conformance.newRepo("restart");
        byte[] blob = Content.randomBlob(300_000);
        String upload = firstChunkThenStop(data, repo, blob, false);

        try (BerthServer second = BerthServer.start(data, List.of())) {
            ChunkedUploads.resumeAfterKept(second.api(), repo, upload, blob, 100_000);
        }
    }

    @Test
    @Timeout(120)
    void after_a_crash_upload_status_tells_where_to_resume() {
        Path data = BerthServer.newDataDir();
        String repo = Conformance.newRepo("crash");
        byte[] blob = Content.randomBlob(300_000);
        String upload = firstChunkThenStop(data, repo, blob, true);

        try (BerthServer second = BerthServer.start(data, List.of())) {
            RegistryApiClient http = second.api();
            Response status = ChunkedUploads.statusOf(http, upload);
            int offset = Integer.parseInt(status.header("Range").substring(2)) + 1;
            assertThat(offset).as("bytes kept of the acknowledged 100000 (Range %s)", status.header("Range"))
                    .isBetween(1, 100_000);
            ChunkedUploads.finishFrom(http, repo, RegistryApiClient.pathAndQuery(status.location()), blob, offset);
        }
    }

    @Test
    @Timeout(60)
    void idle_upload_is_purged_after_its_max_age() throws IOException, InterruptedException {
        Path data = BerthServer.newDataDir();
        Path config = Files.createDirectories(data.getParent()).resolve("berth.yaml");
        Files.writeString(config, "uploads:\n  maxAge: 2s\n  purgeInterval: 1s\n");
        String repo = Conformance.newRepo("purge");
        try (BerthServer berth = BerthServer.start(data, List.of("--config", config.toString()))) {
            RegistryApiClient http = berth.api();
            Response patch = ChunkedUploads.startWith(http, repo, Content.randomBlob(100));
            assertThat(http.get(patch.location()).status()).isEqualTo(204);

            Thread.sleep(4_000);

            Conformance.assertError(http.get(patch.location()), 404, "BLOB_UPLOAD_UNKNOWN");
            Conformance.assertError(http.patch(patch.location(), Content.randomBlob(10), "Content-Type", OCTETS,
                    "Content-Range", "100-109"), 404, "BLOB_UPLOAD_UNKNOWN");
        }
    }
}
