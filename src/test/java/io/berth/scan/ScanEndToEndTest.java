package io.berth.scan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scanning end to end on a real server: Debian bookworm's minbase root filesystem (mmdebstrap) and a small image of
 * one dpkg package, pushed by skopeo; OSV records written for the image's real package versions (one affected with a
 * fix, one fixed in exactly the installed version, one never fixed) imported by {@code berth vulndb import}. Then the
 * scan on push, the report API, the SBOM referrer (listed, copied by skopeo), the rescan of only the images an
 * import's changed records name, scans on demand (API and berth scan), and a scan whose server is killed mid-run.
 */
@Tag("clients")
@Timeout(900)
class ScanEndToEndTest {
    private static final String CONFIG = "scanning:\n  pollInterval: 100ms\n  lease: 3s\n";
    private static Path bookworm;
    private static Map<String, String[]> packages;

    @TempDir
    Path dir;

    @BeforeAll
    static void image(@TempDir Path work) throws Exception {
        bookworm = ScanImages.bookwormGz();
        packages = ScanImages.dpkgStatus(ScanImages.fileOf(bookworm, "./var/lib/dpkg/status", work));
    }

    /** Records for bookworm's real versions: bash affected (fixed above it), glibc fixed in its version, zlib unfixed. */
    private Path records(String bashFix, String modified) throws Exception {
        Path osv = Files.createDirectories(dir.resolve("osv-" + modified.replaceAll("[^0-9]", "")));
        String bashSource = packages.get("bash")[2];
        Files.writeString(osv.resolve("BERTH-1.json"), ScanImages.record("BERTH-1", modified, "bash",
                bashFix == null ? bashSource + "+deb12u9" : bashFix, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
        Files.writeString(osv.resolve("BERTH-2.json"), ScanImages.record("BERTH-2", "2024-01-01T00:00:00Z", "glibc",
                packages.get("libc6")[2], "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"));
        Files.writeString(osv.resolve("BERTH-3.json"), ScanImages.record("BERTH-3", "2024-01-01T00:00:00Z", "zlib",
                null, null));
        return osv;
    }

    private String push(BerthServer server, Path layer, String repoTag) throws Exception {
        Path layout = dir.resolve("layout-" + repoTag.replaceAll("[^a-z0-9]", "-"));
        String digest = ScanImages.layout(layout, layer, "t");
        ScanImages.skopeo("oci:" + layout + ":t", "docker://" + server.hostPort() + "/" + repoTag);
        return digest;
    }

    /** A small image: os-release and the dpkg status stanza of zlib1g only. */
    private Path zlibOnlyLayer() throws Exception {
        String[] zlib = packages.get("zlib1g");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
        files.put("var/lib/dpkg/status", "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
                + "Source: zlib (" + zlib[2] + ")\nVersion: " + zlib[0] + "\n\n");
        return ScanImages.layer(dir.resolve("zlib.tar.gz"), files);
    }

    /** Waits for the report of digest made at or after the given database generation. */
    private static JsonNode report(RegistryApiClient api, String repo, String digest, long minGeneration,
                                   BerthServer server) throws InterruptedException {
        String path = "/api/v1/repositories/" + repo + "/manifests/" + digest + "/vulnerabilities";
        for (int i = 0; i < 600; i++) {
            Response r = api.get(path);
            if (r.status() == 200 && r.header("Berth-Scan-State") == null) {
                assertThat(r.header("Content-Type")).isEqualTo(HarborReport.MEDIA_TYPE);
                JsonNode json = r.json();
                if (json.path("berth_vulndb_generation").asLong(Long.MAX_VALUE) >= minGeneration) {
                    return json;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no report of " + digest + "; server log:\n" + server.logText());
    }

    private static Map<String, JsonNode> byId(JsonNode report) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        report.path("vulnerabilities").forEach(v -> found.put(v.path("id").asText(), v));
        return found;
    }

    @Test
    void pushScanReportSbomAndRescan() throws Exception {
        Path data = dir.resolve("data");
        try (BerthServer server = BerthServer.with().dataDir(data).config(CONFIG).start()) {
            RegistryApiClient api = new RegistryApiClient(server.hostPort());
            String zlibDigest = push(server, zlibOnlyLayer(), "before/zlib:1");
            // Before any database: nothing is queued on push, and the report is a 404 in the error envelope.
            Response none = api.get("/api/v1/repositories/before/zlib/manifests/" + zlibDigest + "/vulnerabilities");
            assertThat(none.status()).isEqualTo(404);
            assertThat(none.errorCode()).isEqualTo("NOT_FOUND");

            server.cli("vulndb", "import", records(null, "2024-01-01T00:00:00Z").toString());
            Thread.sleep(500); // the worker notices the database within its poll interval
            long pushing = System.nanoTime();
            String debian = push(server, bookworm, "library/debian:12");
            long pushed = System.nanoTime();
            JsonNode report = report(api, "library/debian", debian, 1, server);
            long reported = System.nanoTime();
            java.util.regex.Matcher took = java.util.regex.Pattern.compile("scanned library/debian@\\S+: (\\d+) packages,"
                    + " \\d+ vulnerabilities \\((\\d+) ms\\)").matcher(server.logText());
            System.out.printf("bookworm minbase: skopeo push %.2f s, then report after %.2f s (the scan itself: %s)%n",
                    (pushed - pushing) / 1e9, (reported - pushed) / 1e9,
                    took.find() ? took.group(1) + " packages in " + took.group(2) + " ms" : "?");

            Map<String, JsonNode> found = byId(report);
            assertThat(found).containsOnlyKeys("BERTH-1", "BERTH-3");
            JsonNode bash = found.get("BERTH-1");
            assertThat(bash.path("package").asText()).isEqualTo("bash");
            assertThat(bash.path("version").asText()).isEqualTo(packages.get("bash")[0]);
            assertThat(bash.path("fix_version").asText()).isEqualTo(packages.get("bash")[2] + "+deb12u9");
            assertThat(bash.path("severity").asText()).isEqualTo("Critical");
            assertThat(bash.path("preferred_cvss").path("score_v3").asDouble()).isEqualTo(9.8);
            assertThat(bash.path("links").get(0).asText()).isEqualTo("https://example.org/BERTH-1");
            assertThat(found.get("BERTH-3").path("package").asText()).isEqualTo("zlib1g");
            assertThat(found.get("BERTH-3").path("fix_version").asText()).isEmpty();
            assertThat(report.path("severity").asText()).isEqualTo("Critical");
            assertThat(report.path("scanner").path("name").asText()).isEqualTo("Berth");
            assertThat(report.path("artifact").path("digest").asText()).isEqualTo(debian);
            assertThat(report.path("artifact").path("repository").asText()).isEqualTo("library/debian");
            assertThat(report.path("artifact").path("mime_type").asText())
                    .isEqualTo("application/vnd.oci.image.manifest.v1+json");
            assertThat(report.path("summary").path("total").asInt()).isEqualTo(2);

            // The SBOM referrer: listed by the referrers API, copied by skopeo, and not itself scanned.
            JsonNode referrers = api.get("/v2/library/debian/referrers/" + debian).expect(200).json();
            assertThat(referrers.path("manifests")).hasSize(1);
            String sbom = referrers.path("manifests").get(0).path("digest").asText();
            assertThat(referrers.path("manifests").get(0).path("artifactType").asText())
                    .isEqualTo("application/vnd.cyclonedx+json");
            Path copied = dir.resolve("sbom-copy");
            ScanImages.skopeo("docker://" + server.hostPort() + "/library/debian@" + sbom, "dir:" + copied);
            JsonNode manifest = Response.JSON.readTree(Files.readAllBytes(copied.resolve("manifest.json")));
            String document = manifest.path("layers").get(0).path("digest").asText().substring("sha256:".length());
            JsonNode bom = Response.JSON.readTree(Files.readAllBytes(copied.resolve(document)));
            assertThat(bom.path("bomFormat").asText()).isEqualTo("CycloneDX");
            assertThat(bom.path("specVersion").asText()).isEqualTo("1.6");
            List<String> debs = new java.util.ArrayList<>();
            bom.path("components").forEach(c -> {
                if (c.path("purl").asText().startsWith("pkg:deb/")) {
                    debs.add(c.path("name").asText());
                }
            });
            assertThat(debs).containsExactlyInAnyOrderElementsOf(packages.keySet());
            assertThat(api.get("/api/v1/repositories/library/debian/manifests/" + sbom + "/vulnerabilities").status())
                    .isEqualTo(404);

            // The image pushed before the database is scanned on demand.
            Response queued = api.post("/api/v1/repositories/before/zlib/manifests/" + zlibDigest + "/scan", new byte[0]);
            assertThat(queued.status()).as(queued.text()).isEqualTo(202);
            JsonNode zlib = report(api, "before/zlib", zlibDigest, 1, server);
            assertThat(byId(zlib)).containsOnlyKeys("BERTH-3");
            String zlibGenerated = zlib.path("generated_at").asText();

            // A changed bash record: only the image holding bash is scanned again, and its fix version follows.
            String newFix = packages.get("bash")[2] + "+deb12u10";
            server.cli("vulndb", "import", records(newFix, "2024-02-01T00:00:00Z").toString());
            JsonNode rescanned = report(api, "library/debian", debian, 2, server);
            assertThat(byId(rescanned).get("BERTH-1").path("fix_version").asText()).isEqualTo(newFix);
            Thread.sleep(1000);
            assertThat(report(api, "before/zlib", zlibDigest, 1, server).path("generated_at").asText())
                    .isEqualTo(zlibGenerated);
            // The rescan found the same packages: the SBOM referrer is the one made before.
            assertThat(api.get("/v2/library/debian/referrers/" + debian).expect(200).json().path("manifests"))
                    .extracting(m -> m.path("digest").asText()).containsExactly(sbom);

            // berth scan --server, by tag.
            String out = BerthServer.runCli(data, "scan", "--server", server.baseUri().toString(), "library/debian:12");
            assertThat(out).contains("2 vulnerabilities").contains("BERTH-1").contains(newFix);
        }
        // berth scan directly on the stores, with the server stopped.
        String out = BerthServer.runCli(data, "scan", "before/zlib:1");
        assertThat(out).contains("1 vulnerabilities").contains("BERTH-3");
    }

    @Test
    void anIndexIsScannedPlatformByPlatformWithoutItsAttestation() throws Exception {
        String[] bash = packages.get("bash");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
        files.put("var/lib/dpkg/status", "Package: bash\nStatus: install ok installed\nArchitecture: arm64\n"
                + "Source: bash (" + bash[2] + ")\nVersion: " + bash[0] + "\n\n");
        Path bashLayer = ScanImages.layer(dir.resolve("bash.tar.gz"), files);
        Map<String, Path> platforms = new LinkedHashMap<>();
        platforms.put("linux/amd64", zlibOnlyLayer());
        platforms.put("linux/arm64", bashLayer);
        Path layout = dir.resolve("index-layout");
        String index = ScanImages.indexLayout(layout, platforms, "multi");
        try (BerthServer server = BerthServer.with().dataDir(dir.resolve("data")).config(CONFIG).start()) {
            RegistryApiClient api = new RegistryApiClient(server.hostPort());
            server.cli("vulndb", "import", records(null, "2024-01-01T00:00:00Z").toString());
            Thread.sleep(500);
            ScanImages.skopeo("oci:" + layout + ":multi", "docker://" + server.hostPort() + "/multi/app:1");
            JsonNode report = report(api, "multi/app", index, 1, server);
            assertThat(report.path("artifact").path("mime_type").asText())
                    .isEqualTo("application/vnd.oci.image.index.v1+json");
            assertThat(report.path("platforms")).extracting(p -> p.path("platform").asText())
                    .containsExactly("linux/amd64", "linux/arm64");
            Map<String, JsonNode> found = byId(report);
            assertThat(found).containsOnlyKeys("BERTH-1", "BERTH-3");
            assertThat(found.get("BERTH-1").path("vendor_attributes").path("platforms").get(0).asText())
                    .isEqualTo("linux/arm64");
            assertThat(report.path("severity").asText()).isEqualTo("Critical");
            assertThat(report.path("summary").path("total").asInt()).isEqualTo(2);
            // Each platform's own report is at its digest; the attestation is not scanned.
            String arm = report.path("platforms").get(1).path("digest").asText();
            assertThat(byId(report(api, "multi/app", arm, 1, server))).containsOnlyKeys("BERTH-1");
            assertThat(server.logText()).doesNotContain("attestation").doesNotContain("scan of multi/app");
        }
    }

    @Test
    void aScanWhoseServerIsKilledRunsAfterTheRestart() throws Exception {
        Path data = dir.resolve("data");
        String debian;
        try (BerthServer server = BerthServer.with().dataDir(data).config(CONFIG).start()) {
            server.cli("vulndb", "import", records(null, "2024-01-01T00:00:00Z").toString());
            Thread.sleep(500);
            debian = push(server, bookworm, "library/debian:12");
            // Killed as the scan starts: the job is queued or running under the dead node's lease.
            server.process().kill();
            org.junit.jupiter.api.Assumptions.assumeFalse(server.logText().contains("scanned library/debian@"),
                    "the scan finished before the kill");
        }
        try (BerthServer server = BerthServer.with().dataDir(data).config(CONFIG).start()) {
            JsonNode report = report(new RegistryApiClient(server.hostPort()), "library/debian", debian, 1, server);
            assertThat(byId(report)).containsOnlyKeys("BERTH-1", "BERTH-3");
        }
    }
}
