package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.model.VulnDb.Source;
import io.berth.model.VulnDb.Totals;
import io.berth.scan.vulndb.VulnerabilityDatabase;
import io.berth.scan.vulndb.VulnerabilityDatabase.ImportReport;
import io.berth.scan.vulndb.VulnerabilityDatabase.Input;
import io.berth.scan.vulndb.VulnerabilityDatabase.SourceReport;
import io.berth.scan.vulndb.VulnerabilityDatabase.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * berth vulndb import and status: on the stores directly (they work while servers run), or with --server (or
 * BERTH_SERVER) through that server's API, where each PATH is one upload (a directory is zipped on the way).
 */
final class VulnDbCommands {
    private VulnDbCommands() {}

    @Command(name = "vulndb", mixinStandardHelpOptions = true,
            description = "The vulnerability database: import OSV data (osv.dev's all.zip files), show what is imported.",
            subcommands = {ImportCommand.class, StatusCommand.class})
    static final class VulnDbCommand {}

    /** With a server, asks its API; else opens the metadata database and runs on the vulnerability database. */
    abstract static class VulnDbSubcommand implements Callable<Integer> {
        @Mixin
        CommonOptions options;
        @Mixin
        ServerOptions server;
        Instance instance;

        @Override
        public Integer call() throws Exception {
            ApiClient api = server.client();
            if (api != null) {
                return remote(api);
            }
            BerthConfig config = options.loadForStores(true);
            try (Instance open = Instance.openMetadata(config)) {
                this.instance = open;
                return run(open.vulnerabilities());
            }
        }

        abstract int run(VulnerabilityDatabase vulndb) throws Exception;

        abstract int remote(ApiClient api) throws Exception;
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import OSV data: osv.dev's <Ecosystem>/all.zip files, directories of OSV JSON files, or JSON"
                    + " files (a record or an array of records).",
                    "Directly, all PATHs are one import: a bad record in any of them changes nothing. With --server, each"
                    + " PATH is imported on its own. Importing what was imported before changes nothing."})
    static final class ImportCommand extends VulnDbSubcommand {
        /** An upload of one path may take long: the server reads and writes every record in it. */
        private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(30);

        @Parameters(arity = "1..*", paramLabel = "PATH", description = "all.zip files, directories or JSON files")
        List<Path> paths;

        @Override
        int run(VulnerabilityDatabase vulndb) {
            ImportReport report = vulndb.importAll(paths.stream().map(Input::of).toList());
            if (report.changed()) {
                instance.admin().audit(LifecycleCommands.actor(), "vulndb.import", null, "cli",
                        "generation " + report.generation() + ", changed true");
            }
            print(report);
            return 0;
        }

        @Override
        int remote(ApiClient api) throws IOException {
            for (Path path : paths) {
                if (!Files.exists(path)) {
                    throw new IllegalArgumentException(path + ": no such file or directory");
                }
            }
            for (Path path : paths) {
                Path upload = Files.isDirectory(path) ? zipped(path) : path;
                try {
                    JsonNode answer = api.postFile("/api/v1/vulndb", upload,
                            isZip(upload) ? "application/zip" : "application/json", UPLOAD_TIMEOUT);
                    print(fromJson(answer, path.toString()));
                } finally {
                    if (upload != path) {
                        Files.deleteIfExists(upload);
                    }
                }
            }
            return 0;
        }

        /** The JSON files under dir in a temporary zip, streamed file by file. */
        private static Path zipped(Path dir) throws IOException {
            Path zip = Files.createTempFile("berth-vulndb-", ".zip");
            try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out);
                 Stream<Path> walk = Files.walk(dir)) {
                for (Path file : walk.filter(p -> Files.isRegularFile(p)
                        && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")).sorted().toList()) {
                    z.putNextEntry(new ZipEntry(dir.relativize(file).toString()));
                    Files.copy(file, z);
                    z.closeEntry();
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(zip);
                throw e;
            }
            return zip;
        }

        private static boolean isZip(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                byte[] magic = in.readNBytes(2);
                return magic.length == 2 && magic[0] == 'P' && magic[1] == 'K';
            }
        }

        private static ImportReport fromJson(JsonNode r, String input) {
            List<SourceReport> sources = new ArrayList<>();
            for (JsonNode s : r.path("sources")) {
                sources.add(new SourceReport(input, s.path("source").asText(), s.path("records").asLong(),
                        s.path("added").asLong(), s.path("updated").asLong(), s.path("withdrawn").asLong(),
                        s.path("unchanged").asBoolean(), s.path("contentDigest").asText()));
            }
            return new ImportReport(r.path("generation").asLong(), r.path("changed").asBoolean(), sources,
                    Duration.ofMillis(r.path("millis").asLong()));
        }

        private static void print(ImportReport report) {
            for (SourceReport s : report.sources()) {
                if (s.unchanged()) {
                    System.out.printf(Locale.ROOT, "%s (%s): unchanged, %d records already imported (%s)%n", s.input(),
                            s.source(), s.records(), s.contentDigest());
                } else {
                    System.out.printf(Locale.ROOT, "%s (%s): %d records, %d added, %d updated, %d withdrawn%n",
                            s.input(), s.source(), s.records(), s.added(), s.updated(), s.withdrawn());
                }
            }
            System.out.printf(Locale.ROOT, report.changed() ? "imported as generation %d in %d ms%n"
                    : "nothing changed: the database stays at generation %d (%d ms)%n",
                    report.generation(), report.took().toMillis());
        }
    }

    static final String SOURCE_ROW = "%-32s %10s %10s  %-24s %s%n";

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the database's generation, record counts and the imported sources.")
    static final class StatusCommand extends VulnDbSubcommand {
        @Override
        int run(VulnerabilityDatabase vulndb) {
            print(vulndb.status());
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            JsonNode r = api.get("/api/v1/vulndb");
            List<Source> sources = new ArrayList<>();
            for (JsonNode s : r.path("sources")) {
                sources.add(new Source(s.path("name").asText(), s.path("generation").asLong(), s.path("records").asLong(),
                        s.path("contentDigest").asText(), Instant.parse(s.path("importedAt").asText())));
            }
            print(new Status(new Totals(r.path("generation").asLong(), r.path("records").asLong(),
                    r.path("withdrawn").asLong()), sources));
            return 0;
        }

        private static void print(Status status) {
            Totals t = status.totals();
            System.out.printf(Locale.ROOT, "generation %d: %d records (%d withdrawn), %d sources%n", t.generation(),
                    t.records(), t.withdrawn(), status.sources().size());
            if (status.sources().isEmpty()) {
                System.out.println("nothing imported yet: berth vulndb import PATH (docs/SCANNING.md)");
                return;
            }
            System.out.printf(SOURCE_ROW, "SOURCE", "RECORDS", "GENERATION", "IMPORTED", "CONTENT");
            for (Source s : status.sources()) {
                System.out.printf(SOURCE_ROW, s.name(), s.recordCount(), s.generation(), s.importedAt(), s.contentDigest());
            }
        }
    }
}
