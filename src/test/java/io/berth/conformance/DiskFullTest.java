package io.berth.conformance;

import io.berth.testing.Response;
import io.berth.testing.RegistryApiClient;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.testing.BerthServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The data directory on a small tmpfs, filled to the last byte by pushes: pushes answer 507 with the error envelope,
 * the failed upload's bytes are gone at once, pulls, manifest deletes and a collection go on, /readyz says so, and
 * pushes work again once space is freed. Mounting needs root (CI runs as root); without it this test fails.
 */
@DisplayName("Berth on a full disk")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DiskFullTest {
    private static final String OCTETS = "application/octet-stream";
    private static final int LAYER = 2 << 20;

    @Test
    @Timeout(300)
    void a_full_disk_refuses_pushes_with_507_and_still_pulls_deletes_and_collects() throws Exception {
        Path base = Files.createTempDirectory("berth-full-");
        Path data = Files.createDirectories(base.resolve("data"));
        Path config = base.resolve("berth.yaml");
        Files.writeString(config, "gc:\n  enabled: false\n  gracePeriod: 0s\nhistory:\n  window: 0s\n");
        run("mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", data.toString());
        try (BerthServer berth = BerthServer.start(data, List.of("--config", config.toString()))) {
            RegistryApiClient http = berth.api();
            String repo = Conformance.newRepo("full");
            byte[] imageConfig = Content.imageConfig();
            assertThat(pushBlob(http, repo, imageConfig).status()).isEqualTo(201);
            byte[] keptLayer = Content.randomBlob(64 << 10);
            assertThat(pushBlob(http, repo, keptLayer).status()).isEqualTo(201);
            byte[] keptManifest = manifestOver(imageConfig, keptLayer);
            Response kept = http.put("/v2/" + repo + "/manifests/kept", keptManifest, "Content-Type", Content.OCI_MANIFEST);
            assertThat(kept.status()).as("%s", kept).isEqualTo(201);
            assertThat(readyz(http)).isEqualTo("ready\n");

            List<String> filled = new ArrayList<>();
            Response refused = null;
            for (int i = 0; i < 40 && refused == null; i++) {
                byte[] layer = Content.randomBlob(LAYER);
                Response put = pushBlob(http, repo, layer);
                if (put.status() != 201) {
                    refused = put;
                    break;
                }
                byte[] manifest = manifestOver(imageConfig, layer);
                Response pushed = http.put("/v2/" + repo + "/manifests/fill-" + i, manifest, "Content-Type",
                        Content.OCI_MANIFEST);
                if (pushed.status() != 201) {
                    refused = pushed;
                    break;
                }
                filled.add(Content.sha256(manifest));
            }

            assertThat(refused).as("a push refused before 40 layers of 2 MiB went on a 40 MiB disk").isNotNull();
            Conformance.assertError(refused, 507, "UNAVAILABLE");
            assertThat(refused.text()).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(filled).as("layers pushed before the disk filled").hasSizeGreaterThan(5);
            awaitTrue("the failed upload's file is deleted", () -> fileCount(data.resolve("uploads")) == 0);
            // At once after a failed write; within a second (the free-space check) when SQLite was the one refused.
            awaitTrue("/readyz says storage: full", () -> readyz(http).equals("ready\nstorage: full\n"));

            // Pulls go on.
            Response manifest = http.get("/v2/" + repo + "/manifests/kept", "Accept", Content.OCI_MANIFEST);
            assertThat(manifest.status()).as("%s", manifest).isEqualTo(200);
            assertThat(manifest.body()).isEqualTo(keptManifest);
            Response blob = http.get("/v2/" + repo + "/blobs/" + Content.sha256(keptLayer));
            assertThat(blob.status()).as("%s", blob).isEqualTo(200);
            assertThat(blob.body()).isEqualTo(keptLayer);
            // A new push is refused up front, so the space released for deletes stays for them.
            Conformance.assertError(http.post("/v2/" + repo + "/blobs/uploads/", null), 507, "UNAVAILABLE");

            // Another program takes the space the reserve released: a delete SQLite cannot write answers 507 with
            // the envelope, never a 500 with SQLite's follow-on error; once that program lets go, deletes go on.
            Path filler = data.resolve("taken-by-another-program");
            try (var out = Files.newOutputStream(filler)) {
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 4096; i++) {
                    out.write(chunk);
                }
            } catch (IOException expected) {
                // The filesystem is full to the last byte.
            }
            Response squeezed = http.delete("/v2/" + repo + "/manifests/" + filled.get(0));
            if (squeezed.status() != 202) {
                Conformance.assertError(squeezed, 507, "UNAVAILABLE");
            }
            Files.delete(filler);

            // Deletes and a collection go on, and free the space.
            for (String digest : filled.subList(squeezed.status() == 202 ? 1 : 0, filled.size())) {
                Response deleted = http.delete("/v2/" + repo + "/manifests/" + digest);
                assertThat(deleted.status()).as("%s", deleted).isEqualTo(202);
            }
            Response gc = http.post("/api/v1/gc", null);
            assertThat(gc.status()).as("%s", gc).isEqualTo(200);
            assertThat(gc.json().get("bytesFreed").asLong()).isGreaterThanOrEqualTo((long) filled.size() * LAYER);

            awaitTrue("/readyz says ready without storage: full", () -> readyz(http).equals("ready\n"));
            assertThat(pushBlob(http, repo, Content.randomBlob(LAYER)).status()).isEqualTo(201);
            assertThat(http.get("/v2/" + repo + "/manifests/kept", "Accept", Content.OCI_MANIFEST).status())
                    .isEqualTo(200);

            String log = berth.process().logText();
            assertThat(log).as("no stack trace in the log").doesNotContain("\tat ");
            assertThat(log).contains("storage full");
        } finally {
            unmount(data);
        }
    }

    /** POST then PUT ?digest= with the whole blob, as one request body. */
    private static Response pushBlob(RegistryApiClient http, String repo, byte[] content) {
        Response post = http.post("/v2/" + repo + "/blobs/uploads/", null);
        if (post.status() != 202) {
            return post;
        }
        return http.put(RegistryApiClient.withQuery(post.location(), "digest=" + Content.sha256(content)), content,
                "Content-Type", OCTETS);
    }

    private static byte[] manifestOver(byte[] config, byte[] layer) {
        ObjectNode manifest = Content.imageManifest(Content.OCI_MANIFEST,
                Content.descriptor(Content.OCI_CONFIG, config), Content.descriptor(Content.OCI_LAYER, layer));
        return Content.bytes(manifest);
    }

    private static String readyz(RegistryApiClient http) {
        Response ready = http.get("/readyz");
        assertThat(ready.status()).as("%s", ready).isEqualTo(200);
        return new String(ready.body(), StandardCharsets.UTF_8);
    }

    private static long fileCount(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    private static void unmount(Path dir) throws IOException, InterruptedException {
        Process umount = new ProcessBuilder("umount", dir.toString()).redirectErrorStream(true).start();
        if (!umount.waitFor(30, TimeUnit.SECONDS) || umount.exitValue() != 0) {
            umount.destroyForcibly();
            run("umount", "-l", dir.toString());
        }
    }

    /** Runs a command; a failure (mount without root, say) fails the test with its output. */
    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " failed (this test needs root to mount a tmpfs): "
                    + output);
        }
    }
}
