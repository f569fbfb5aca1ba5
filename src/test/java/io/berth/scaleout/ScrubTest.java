package io.berth.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * berth scrub on a running server, on the filesystem store (SQLite) and on S3 (PostgreSQL): a blob corrupted in place,
 * a blob deleted under the registry, a record without a blob and a blob without a record are each reported (exit 2);
 * --repair quarantines and forgets them, after which a second scrub is clean, a pull of the corrupt blob answers 404
 * instead of its wrong bytes, and pushing the image again makes it whole.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ScrubTest {

    /** How a test reaches under the registry to damage its stores. */
    interface Damage {
        void overwrite(Digest digest, byte[] content) throws Exception;

        void remove(Digest digest) throws Exception;

        void record(Digest digest, long size) throws Exception;

        /** Quarantined objects' names (file names or keys) that mention digest's hex. */
        List<String> quarantined(Digest digest) throws Exception;
    }

    @Test
    void scrubOnTheFilesystemStoreFindsEachProblemAndRepairLeavesItClean() throws Exception {
        Path data = BerthServer.newDataDir();
        Path config = Files.createDirectories(data.getParent()).resolve("berth.yaml");
        Files.writeString(config, "gc:\n  enabled: false\n");
        try (BerthServer server = BerthServer.start(data, List.of("--config", config.toString()))) {
            String sqlite = "jdbc:sqlite:" + data.resolve("berth.db");
            scrubFindsAndRepairs(server, data, config, new Damage() {
                Path file(Digest digest) {
                    return data.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2))
                            .resolve(digest.hex());
                }

                @Override
                public void overwrite(Digest digest, byte[] content) throws Exception {
                    Files.createDirectories(file(digest).getParent());
                    Files.write(file(digest), content);
                }

                @Override
                public void remove(Digest digest) throws Exception {
                    Files.delete(file(digest));
                }

                @Override
                public void record(Digest digest, long size) throws Exception {
                    insertRecord(DriverManager.getConnection(sqlite), digest, size);
                }

                @Override
                public List<String> quarantined(Digest digest) throws Exception {
                    Path dir = data.resolve("quarantine");
                    if (!Files.isDirectory(dir)) {
                        return List.of();
                    }
                    try (Stream<Path> files = Files.walk(dir)) {
                        return files.filter(Files::isRegularFile).map(Path::toString).filter(f -> f.contains(digest.hex())).toList();
                    }
                }
            });
        }
    }

    @Test
    void scrubOnTheS3StoreFindsEachProblemAndRepairLeavesItClean() throws Exception {
        try (SharedStores stores = SharedStores.start()) {
            Path data = BerthServer.newDataDir();
            Path config = stores.writeConfig(data.resolveSibling("berth.yaml"), "gc: {enabled: false}\n");
            try (BerthServer server = BerthServer.start(data, List.of("--config", config.toString()), SharedStores.NODE_ENV);
                 S3Client s3 = stores.s3.client()) {
                scrubFindsAndRepairs(server, data, config, new Damage() {
                    String key(Digest digest) {
                        return "blobs/" + digest.algorithm() + "/" + digest.hex().substring(0, 2) + "/" + digest.hex();
                    }

                    @Override
                    public void overwrite(Digest digest, byte[] content) {
                        s3.putObject(r -> r.bucket(stores.bucket).key(key(digest)), RequestBody.fromBytes(content));
                    }

                    @Override
                    public void remove(Digest digest) {
                        s3.deleteObject(r -> r.bucket(stores.bucket).key(key(digest)));
                    }

                    @Override
                    public void record(Digest digest, long size) throws Exception {
                        insertRecord(stores.sql(), digest, size);
                    }

                    @Override
                    public List<String> quarantined(Digest digest) {
                        return stores.keys("quarantine/").stream().filter(k -> k.contains(digest.hex())).toList();
                    }
                });
            }
        }
    }

    private static void insertRecord(Connection connection, Digest digest, long size) throws Exception {
        try (Connection c = connection;
             PreparedStatement s = c.prepareStatement("INSERT INTO blobs (digest, size, created_at, state) VALUES (?, ?, 0, 'live')")) {
            s.setString(1, digest.toString());
            s.setLong(2, size);
            s.executeUpdate();
        }
    }

    private static void scrubFindsAndRepairs(BerthServer server, Path data, Path config, Damage damage) throws Exception {
        OciClient client = new OciClient(server.hostPort());
        Images.Image damaged = Images.image("scrub/app", "v1", Images.OCI_MANIFEST, List.of(Images.bytes(30, 40_000)), 31, 50_000);
        Images.Image intact = Images.image("scrub/other", "v1", Images.OCI_MANIFEST, List.of(), 32, 30_000);
        Images.Image headless = Images.image("scrub/gone", "v1", Images.OCI_MANIFEST, List.of(), 35, 20_000);
        damaged.push(client, 0);
        intact.push(client, 0);
        headless.push(client, 0);
        byte[] corruptLayer = damaged.layers().get(0);
        Digest corrupt = Digest.sha256(corruptLayer);
        Digest lost = Digest.sha256(damaged.layers().get(1));
        byte[] wrong = corruptLayer.clone();
        wrong[wrong.length / 2] ^= 0x5a;
        damage.overwrite(corrupt, wrong);
        damage.remove(lost);
        Digest lostManifest = Digest.sha256(headless.manifest());
        damage.remove(lostManifest);
        Digest recordOnly = Digest.sha256(Images.bytes(33, 1000));
        damage.record(recordOnly, 1000);
        byte[] strayBytes = Images.bytes(34, 2000);
        Digest stray = Digest.sha256(strayBytes);
        damage.overwrite(stray, strayBytes);

        BerthServer.CliRun report = scrub(data, config, "--progress-every", "2");
        assertThat(report.exitCode()).as(report.output()).isEqualTo(2);
        assertThat(report.output()).contains("corrupt " + corrupt, "missing " + lost, "missing " + recordOnly,
                "missing " + lostManifest, "unrecorded " + stray, "progress: ").doesNotContain("(repaired)");
        assertThat(findings(report.output())).as(report.output()).hasSize(5);

        BerthServer.CliRun repair = scrub(data, config, "--repair");
        assertThat(repair.exitCode()).as(repair.output()).isZero();
        assertThat(findings(repair.output())).as(repair.output()).hasSize(5).allMatch(line -> line.endsWith("(repaired)"));
        assertThat(damage.quarantined(corrupt)).as("the corrupt bytes, kept aside").hasSize(1);
        assertThat(damage.quarantined(stray)).as("the unrecorded bytes, kept aside").hasSize(1);

        BerthServer.CliRun again = scrub(data, config);
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("clean: ");
        assertThat(findings(again.output())).isEmpty();

        assertThat(client.blob("scrub/app", corrupt)).as("a pull of the quarantined blob").isNull();
        assertThat(OciClient.expect(client.send("HEAD", "/v2/scrub/app/blobs/" + corrupt, null), 404)).isNotNull();
        assertThat(client.blob("scrub/app", lost)).as("a pull of the lost blob").isNull();
        // A manifest whose bytes are gone goes with its tag: HEAD and GET agree on 404.
        for (String method : List.of("HEAD", "GET")) {
            assertThat(OciClient.expect(client.send(method, "/v2/scrub/gone/manifests/v1", null), 404)).isNotNull();
            assertThat(OciClient.expect(client.send(method, "/v2/scrub/gone/manifests/" + lostManifest, null), 404))
                    .isNotNull();
        }
        intact.verify(client);
        damaged.push(client, 0);
        damaged.verify(client);
        headless.push(client, 0);
        headless.verify(client);
        assertThat(scrub(data, config).exitCode()).as("a scrub after the image was pushed again").isZero();
    }

    private static BerthServer.CliRun scrub(Path data, Path config, String... extra) {
        List<String> args = new ArrayList<>(List.of("scrub", "--config", config.toString()));
        args.addAll(List.of(extra));
        return BerthServer.runCliForExit(data, args.toArray(String[]::new));
    }

    private static List<String> findings(String output) {
        return output.lines().filter(l -> l.startsWith("corrupt ") || l.startsWith("missing ") || l.startsWith("unrecorded "))
                .toList();
    }
}
