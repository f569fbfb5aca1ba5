package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.model.ManifestRecord;
import io.berth.model.Scans.Report;
import io.berth.oci.RegistryException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * berth scan REPO@DIGEST|REPO:TAG: scans an image now and prints its findings. Directly, the image is scanned in
 * this process on the stores (the report is stored as a server's would be); with --server (or BERTH_SERVER) the
 * server queues the scan and the command waits for its report.
 */
final class ScanCommands {
    private ScanCommands() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "scan", mixinStandardHelpOptions = true,
            description = {"Scan an image (or every platform of an index) for known vulnerabilities, against the"
                    + " imported database (berth vulndb import), and print what it finds.",
                    "Directly, the scan runs here; with --server, the server runs it and this waits for the report."})
    static final class ScanCommand implements Callable<Integer> {
        @Mixin
        CommonOptions options;
        @Mixin
        ServerOptions server;
        @Parameters(paramLabel = "REPOSITORY:TAG|REPOSITORY@DIGEST") String ref;
        @Option(names = "--json", description = "Print the report (Harbor's vulnerability report format).") boolean json;
        @Option(names = "--timeout", defaultValue = "5m",
                description = "With --server: how long to wait for the report. Default: ${DEFAULT-VALUE}") String timeout;

        @Override
        public Integer call() throws Exception {
            LifecycleCommands.ImageRef image = LifecycleCommands.ImageRef.parse(ref);
            ApiClient api = server.client();
            JsonNode report;
            if (api != null) {
                report = remote(api, image);
            } else {
                BerthConfig config = options.loadForStores(true);
                try (Instance instance = Instance.open(config, "cli-" + ProcessHandle.current().pid())) {
                    ManifestRecord record = instance.registry().manifestRecord(image.repository(), image.reference());
                    Report stored = instance.scanning().scanner().scan(image.repository(), record.digest());
                    report = JSON.readTree(stored.json());
                } catch (RegistryException e) {
                    throw new IllegalArgumentException(e.code().name() + ": " + e.getMessage(), e);
                }
            }
            print(report);
            return 0;
        }

        private JsonNode remote(ApiClient api, LifecycleCommands.ImageRef image) throws InterruptedException {
            String base = "/api/v1/repositories/" + image.repository() + "/manifests/" + image.reference();
            JsonNode queued = api.post(base + "/scan", null);
            String digest = queued.path("digest").asText();
            String path = "/api/v1/repositories/" + image.repository() + "/manifests/" + digest + "/vulnerabilities";
            long deadline = System.nanoTime() + seconds(timeout) * 1_000_000_000L;
            // Waits for a report made after the request: an older one is served while the new scan is queued.
            java.time.Instant requested = java.time.Instant.parse(queued.path("requested_at").asText());
            while (true) {
                JsonNode answer = api.get(path);
                boolean pending = answer == null || answer.has("state") && !answer.has("vulnerabilities");
                if (!pending && !java.time.Instant.parse(answer.path("generated_at").asText()).isBefore(requested)) {
                    return answer;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no report for " + image.repository() + "@" + digest
                            + " within " + timeout + " (the scan is queued: look again later)");
                }
                Thread.sleep(Duration.ofMillis(250));
            }
        }

        /** 90s, 5m, 1h or plain seconds. */
        private static long seconds(String text) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})([smh]?)").matcher(text.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("--timeout must be like 90s, 5m or 1h, not " + text);
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "m" -> n * 60;
                case "h" -> n * 3600;
                default -> n;
            };
        }

        private void print(JsonNode report) {
            if (json) {
                System.out.println(report.toPrettyString());
                return;
            }
            JsonNode s = report.path("summary");
            System.out.printf(Locale.ROOT, "%s@%s: %d vulnerabilities (%d fixable), worst %s: Critical %d, High %d,"
                    + " Medium %d, Low %d, Unknown %d%n", report.path("artifact").path("repository").asText(),
                    report.path("artifact").path("digest").asText(), s.path("total").asInt(), s.path("fixable").asInt(),
                    report.path("severity").asText(), s.path("Critical").asInt(), s.path("High").asInt(),
                    s.path("Medium").asInt(), s.path("Low").asInt(), s.path("Unknown").asInt());
            for (JsonNode p : report.path("platforms")) {
                System.out.printf(Locale.ROOT, "  %s %s: %s, %d vulnerabilities%n", p.path("platform").asText(),
                        p.path("digest").asText(), p.path("severity").asText(), p.path("summary").path("total").asInt());
            }
            if (report.path("vulnerabilities").isEmpty()) {
                return;
            }
            ListingCommands.Table table = new ListingCommands.Table("SEVERITY", "ID", "PACKAGE", "VERSION", "FIXED IN");
            for (JsonNode v : report.path("vulnerabilities")) {
                table.row(v.path("severity").asText(), v.path("id").asText(), v.path("package").asText(),
                        v.path("version").asText(), v.path("fix_version").asText().isEmpty() ? "-"
                                : v.path("fix_version").asText());
            }
            table.print();
        }
    }
}
