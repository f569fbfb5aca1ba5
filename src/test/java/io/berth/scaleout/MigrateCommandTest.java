package io.berth.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * berth migrate from an embedded instance (filesystem + SQLite), filled over HTTP, to S3 (S3Proxy) + PostgreSQL;
 * Berth started on the new stores serves every image byte-identical, with the tag history and the users.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MigrateCommandTest {
    private static final int MIB = 1 << 20;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void an_embedded_instance_moved_to_s3_and_postgresql_serves_everything_byte_identical() throws Exception {
        List<byte[]> base = List.of(Images.bytes(1, MIB), Images.bytes(2, 64 * 1024));
        List<Images.Image> images = new ArrayList<>();
        images.add(Images.image("team/api", "v1", Images.OCI_MANIFEST, base, 10, 100_000));
        images.add(Images.image("team/api", "v2", Images.DOCKER_MANIFEST, base, 11, 9 * MIB));
        images.add(Images.image("other/tool", "latest", Images.OCI_MANIFEST, List.of(), 12, 5_000));
        Images.Index index = Images.index("team/multi", "v1", Images.OCI_INDEX, List.of(
                Images.image("team/multi", null, Images.OCI_MANIFEST, base, 20, 30_000),
                Images.image("team/multi", null, Images.OCI_MANIFEST, base, 21, 31_000)));
        String history;
        String users;

        Path source = BerthServer.newDataDir();
        try (BerthServer embedded = BerthServer.start(source, List.of())) {
            OciClient client = new OciClient(embedded.hostPort());
            for (Images.Image image : images) {
                image.push(client, 3 * MIB);
            }
            index.push(client, 0);
            for (Images.Image image : images.subList(0, 2)) {
                client.pushManifest("team/api", "live", image.manifest(), image.mediaType());
            }
            BerthServer.runCli(source, "user", "add", "alice", "--password", "alice-secret-1");
            BerthServer.runCli(source, "namespace", "create", "team", "--owner", "alice");
            history = OciClient.expect(client.send("GET", "/api/v1/repositories/team/api/tags/live/history", null), 200).text();
            users = userLines(BerthServer.runCli(source, "user", "list"));
        }
        assertThat(history).contains("\"operation\":\"push\"");

        try (SharedStores stores = SharedStores.start()) {
            Path config = stores.writeConfig(BerthServer.newDataDir().resolveSibling("berth.yaml"), "gc: {enabled: false}\n");
            Path targetData = BerthServer.newDataDir();
            String first = BerthServer.runCli(source, "migrate", "--to", config.toString(), "--to-data", targetData.toString());
            String second = BerthServer.runCli(source, "migrate", "--to", config.toString(), "--to-data", targetData.toString());
            System.out.println(first + "\n" + second);

            assertThat(first).containsPattern("blobs: 1[0-9] copied").contains("0 already there");
            assertThat(second).contains("blobs: 0 copied");
            assertThat(rowsWritten(second)).as("rows written by the second run").isZero();
            assertThat(stores.count("SELECT count(*) FROM tag_history")).isEqualTo(count(first, "tag_history"));
            try (BerthServer scaled = BerthServer.start(targetData, List.of("--config", config.toString()), SharedStores.NODE_ENV)) {
                OciClient client = new OciClient(scaled.hostPort());
                for (Images.Image image : images) {
                    image.verify(client);
                }
                index.verify(client);
                assertThat(client.manifest("team/api", "live", Images.ACCEPT_ALL)).isEqualTo(images.get(1).manifest());
                assertThat(OciClient.expect(client.send("GET", "/api/v1/repositories/team/api/tags/live/history", null), 200)
                        .text()).isEqualTo(history);
                assertThat(userLines(BerthServer.runCli(targetData, "user", "list", "--config", config.toString())))
                        .isEqualTo(users).contains("alice");
                assertThat(BerthServer.runCli(targetData, "namespace", "members", "team", "--config", config.toString()))
                        .contains("alice");
            }
            assertThat(stores.keys("uploads/")).as("upload objects left by the copy").isEmpty();
        }
    }

    /** The lines of "berth user list" that name users (its output may start with the JVM's warnings). */
    private static String userLines(String output) {
        return String.join("\n", output.lines().filter(l -> l.matches("^[a-z0-9][a-z0-9._-]* +(true|false) .*")).toList());
    }

    /** The "written" column of the table counts a migrate run printed, summed. */
    private static long rowsWritten(String output) {
        long total = 0;
        for (String line : output.lines().toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 3 && fields[1].matches("[0-9]+") && fields[2].matches("[0-9]+")) {
                total += Long.parseLong(fields[2]);
            }
        }
        return total;
    }

    /** The "rows" count the migrate run printed for table. */
    private static long count(String output, String table) {
        for (String line : output.lines().toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 3 && fields[0].equals(table)) {
                return Long.parseLong(fields[1]);
            }
        }
        throw new AssertionError("no count for " + table + " in\n" + output);
    }
}
