package io.berth.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tag history, rollback, promotion, immutable tags, retention and quotas on the real server and command line. */
@Timeout(120)
class LifecycleTest {
    private static BerthServer server;
    private static Path data;
    private static RegistryClient client;

    @BeforeAll
    static void start() throws Exception {
        data = BerthServer.newDataDir();
        Path config = Files.createDirectories(data.getParent()).resolve("lifecycle.yaml");
        Files.writeString(config, "gc:\n  enabled: false\n");
        server = BerthServer.start(data, List.of("--config", config.toString()));
        client = new RegistryClient(server.hostPort());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String cli(String... args) {
        return BerthServer.runCli(data, args);
    }

    private static List<byte[]> image(String label, int layerBytes) {
        byte[] layer = new byte[layerBytes];
        new Random(label.hashCode()).nextBytes(layer);
        return List.of(("{\"label\":\"" + label + "\"}").getBytes(StandardCharsets.UTF_8), layer);
    }

    private static Digest push(String repo, String tag, String label) {
        RegistryClient.Reply r = client.pushImage(repo, tag, image(label, 2048));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return Digest.parse(r.raw().headers().firstValue("Docker-Content-Digest").orElseThrow());
    }

    private static Digest tagged(String repo, String tag) {
        RegistryClient.Reply r = client.send("HEAD", "/v2/" + repo + "/manifests/" + tag, null, null);
        return r.status() == 200 ? Digest.parse(r.raw().headers().firstValue("Docker-Content-Digest").orElseThrow()) : null;
    }

    private static long blobFiles() throws Exception {
        try (Stream<Path> files = Files.walk(data.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void everyTagMoveIsRecordedAndRollbackPointsTheTagBack() {
        Digest v1 = push("hist/app", "prod", "one");
        Digest v2 = push("hist/app", "prod", "two");
        String history = cli("tag", "history", "hist/app:prod");
        assertThat(history).contains("push").contains("anonymous").contains(v1.toString()).contains(v2.toString());
        assertThat(cli("tag", "rollback", "hist/app:prod")).contains(v1.toString());
        assertThat(tagged("hist/app", "prod")).isEqualTo(v1);
        assertThat(cli("tag", "history", "hist/app:prod")).contains("rollback");
        cli("tag", "rollback", "hist/app:prod", "--to", v2.toString());
        assertThat(tagged("hist/app", "prod")).isEqualTo(v2);
    }

    @Test
    void historyWindowKeepsOldManifestsThroughCollectionSoRollbackWorks() {
        Digest old = push("window/app", "prod", "old");
        push("window/app", "prod", "new");
        cli("gc", "--grace", "0s");
        client.pullVerified("window/app", old.toString());
        cli("tag", "rollback", "window/app:prod");
        assertThat(tagged("window/app", "prod")).isEqualTo(old);
    }

    @Test
    void promotionMovesAnImageByReferenceCopyingNoBytes() throws Exception {
        Digest d = push("promo/app", "1.4", "promoted");
        long files = blobFiles();
        cli("promote", "promo/app:1.4", "--tag", "prod");
        cli("promote", "promo/app:1.4", "--to", "release/app:1.4");
        assertThat(tagged("promo/app", "prod")).isEqualTo(d);
        assertThat(client.pullVerified("release/app", "1.4")).isEqualTo(d);
        assertThat(blobFiles()).isEqualTo(files);
        assertThat(cli("tag", "history", "release/app:1.4")).contains("promote");
    }

    @Test
    void immutableTagsNeverMoveOrGoButTheSameDigestMayBeRepushed() {
        cli("namespace", "immutable", "add", "locked", "v*");
        Digest v1 = push("locked/app", "v1.0", "release");
        RegistryClient.Reply same = client.pushImage("locked/app", "v1.0", image("release", 2048));
        assertThat(same.status()).isEqualTo(201);
        RegistryClient.Reply moved = client.pushImage("locked/app", "v1.0", image("other", 2048));
        assertThat(moved.status()).isEqualTo(403);
        assertThat(moved.errorCode()).isEqualTo("DENIED");
        assertThat(moved.message()).contains("immutable").contains("v*");
        assertThat(client.send("DELETE", "/v2/locked/app/manifests/v1.0", null, null).status()).isEqualTo(403);
        assertThat(client.send("DELETE", "/v2/locked/app/manifests/" + v1, null, null).status()).isEqualTo(403);
        push("locked/app", "latest", "other");
        assertThatThrownBy(() -> cli("promote", "locked/app:latest", "--tag", "v1.0")).hasMessageContaining("immutable");
        assertThat(tagged("locked/app", "v1.0")).isEqualTo(v1);
        push("locked/app", "latest", "other2");
        cli("tag", "rollback", "locked/app:latest");
        cli("namespace", "immutable", "remove", "locked", "v*");
        assertThat(client.send("DELETE", "/v2/locked/app/manifests/v1.0", null, null).status()).isEqualTo(202);
    }

    @Test
    void retentionKeepsTheNewestTagsAndTheKeepPatternsAndSparesImmutableTags() throws Exception {
        for (int i = 1; i <= 5; i++) {
            push("ret/app", "build-" + i, "build" + i);
            Thread.sleep(5);
        }
        push("ret/app", "prod", "build1");
        cli("namespace", "immutable", "add", "ret", "build-1");
        cli("retention", "add", "ret", "--pattern", "*", "--keep-last", "2", "--keep", "prod");
        String dry = cli("retention", "run", "ret", "--dry-run");
        assertThat(dry).contains("would remove ret/app:build-3").contains("would remove ret/app:build-2")
                .doesNotContain("build-5").doesNotContain("build-4").doesNotContain(":prod").doesNotContain("build-1 ");
        // build-1 is immutable and prod is kept: neither counts towards the newest two.
        assertThat(client.send("GET", "/v2/ret/app/tags/list", null, null).body()).contains("build-2");
        cli("retention", "run", "ret");
        String tags = client.send("GET", "/v2/ret/app/tags/list", null, null).body();
        assertThat(tags).contains("build-5").contains("build-4").contains("prod").contains("build-1")
                .doesNotContain("build-3").doesNotContain("build-2");
        assertThat(cli("tag", "history", "ret/app:build-3")).contains("retention");
    }

    @Test
    void quotaCountsUniqueBlobsOnceAndRefusesAPushThatWouldPassIt() {
        push("quota/one", "a", "shared");
        push("quota/two", "a", "shared");
        String usage = cli("namespace", "usage", "quota");
        long used = Long.parseLong(usage.replaceAll("(?s).*quota: (\\d+) bytes used.*", "$1"));
        assertThat(used).isLessThan(2 * 2048 + 2000);
        cli("namespace", "quota", "quota", String.valueOf(used + 100));
        RegistryClient.Reply over = client.pushImage("quota/one", "b", image("bigger", 4096));
        assertThat(over.status()).isIn(403);
        assertThat(over.errorCode()).isEqualTo("DENIED");
        assertThat(over.message()).contains("quota").contains(String.valueOf(used + 100));
        cli("namespace", "quota", "quota", "none");
        assertThat(client.pushImage("quota/one", "b", image("bigger", 4096)).status()).isEqualTo(201);
    }

    @Test
    void managementApiShowsHistoryRollsBackPromotesAndCollects() {
        Digest first = push("api/app", "prod", "api-one");
        push("api/app", "prod", "api-two");
        RegistryClient.Reply history = client.send("GET", "/api/v1/repositories/api/app/tags/prod/history", null, null);
        assertThat(history.status()).isEqualTo(200);
        assertThat(history.body()).contains(first.toString()).contains("\"operation\":\"push\"");
        RegistryClient.Reply rollback = client.send("POST", "/api/v1/repositories/api/app/tags/prod/rollback",
                "{\"steps\":1}".getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(rollback.body()).contains(first.toString());
        RegistryClient.Reply promote = client.send("POST", "/api/v1/promote", ("{\"repository\":\"api/app\",\"reference\":\"prod\","
                + "\"targetRepository\":\"api/released\",\"targetTag\":\"stable\"}").getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(promote.status()).as(promote.body()).isEqualTo(201);
        assertThat(client.pullVerified("api/released", "stable")).isEqualTo(first);
        RegistryClient.Reply usage = client.send("GET", "/api/v1/namespaces/api/usage", null, null);
        assertThat(usage.body()).contains("\"usedBytes\":");
        RegistryClient.Reply gc = client.send("POST", "/api/v1/gc?dryRun=true", null, null);
        assertThat(gc.status()).isEqualTo(200);
        assertThat(gc.body()).contains("\"dryRun\":true");
        assertThat(client.send("DELETE", "/api/v1/repositories/api/released", null, null).status()).isEqualTo(202);
        assertThat(client.send("GET", "/v2/api/released/tags/list", null, null).status()).isEqualTo(404);
    }

    @Test
    void gcDryRunSaysWhatWouldGoAndDeletesNothing() throws Exception {
        push("dry/app", "x", "dry");
        client.send("DELETE", "/v2/dry/app/manifests/x", null, null);
        long before = blobFiles();
        String out = cli("gc", "--dry-run", "--grace", "0s", "--history-window", "0s");
        assertThat(out).contains("would delete manifest dry/app@").contains("dry run:");
        assertThat(blobFiles()).isEqualTo(before);
        String done = cli("gc", "--grace", "0s", "--history-window", "0s");
        assertThat(done).contains("deleted manifest dry/app@");
    }
}
