package io.berth.scan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.scaleout.SharedStores;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * On S3 and PostgreSQL: Debian bookworm pushed by skopeo to node A, which is killed as its scan starts; node B,
 * started on the same stores, takes the scan over once A's lease runs out, reads the layer from S3, and serves the
 * report and the SBOM referrer.
 */
@Tag("clients")
@Timeout(600)
class ScanTwoNodesTest {
    @TempDir
    Path dir;

    @Test
    void aScanQueuedOnNodeARunsOnNodeBWhenAIsDown() throws Exception {
        Path bookworm = ScanImages.bookwormGz();
        Map<String, String[]> packages = ScanImages.dpkgStatus(ScanImages.fileOf(bookworm, "./var/lib/dpkg/status", dir));
        try (SharedStores stores = SharedStores.start()) {
            Path config = stores.writeConfig(dir.resolve("berth.yaml"),
                    "scanning:\n  pollInterval: 100ms\n  lease: 3s\ngc:\n  enabled: false\n");
            Path osv = Files.createDirectories(dir.resolve("osv"));
            Files.writeString(osv.resolve("BERTH-1.json"), ScanImages.record("BERTH-1", "2024-01-01T00:00:00Z", "bash",
                    packages.get("bash")[2] + "+deb12u9", null));
            List<String> args = List.of("--config", config.toString());
            String digest;
            try (BerthServer a = BerthServer.start(dir.resolve("a"), args, SharedStores.NODE_ENV)) {
                a.cli("vulndb", "import", osv.toString());
                Thread.sleep(500);
                Path layout = dir.resolve("layout");
                digest = ScanImages.layout(layout, bookworm, "t");
                ScanImages.skopeo("oci:" + layout + ":t", "docker://" + a.hostPort() + "/library/debian:12");
                a.process().kill();
                Assumptions.assumeFalse(a.logText().contains("scanned library/debian@"),
                        "node A finished the scan before it was killed");
            }
            try (BerthServer b = BerthServer.start(dir.resolve("b"), args, SharedStores.NODE_ENV)) {
                RegistryApiClient api = new RegistryApiClient(b.hostPort());
                String path = "/api/v1/repositories/library/debian/manifests/" + digest + "/vulnerabilities";
                Response r = null;
                for (int i = 0; i < 600; i++) {
                    r = api.get(path);
                    if (r.status() == 200) {
                        break;
                    }
                    assertThat(r.status()).as(r.text()).isEqualTo(202);
                    Thread.sleep(50);
                }
                assertThat(r.status()).as(b.logText()).isEqualTo(200);
                JsonNode report = r.json();
                assertThat(report.path("vulnerabilities")).hasSize(1);
                assertThat(report.path("vulnerabilities").get(0).path("id").asText()).isEqualTo("BERTH-1");
                assertThat(b.logText()).contains("scanned library/debian@" + digest);
                JsonNode referrers = api.get("/v2/library/debian/referrers/" + digest).expect(200).json();
                assertThat(referrers.path("manifests")).as(b.logText()).hasSize(1);
                assertThat(referrers.path("manifests").get(0).path("artifactType").asText())
                        .isEqualTo("application/vnd.cyclonedx+json");
            }
        }
    }
}
