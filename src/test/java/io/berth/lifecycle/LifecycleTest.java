package io.berth.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.Started;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** Tag history, rollback, promotion, immutable tags, retention and quotas on the real server and command line. */
@Timeout(120)
class LifecycleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final Started<BerthServer> server = Started.by(() -> BerthServer.with().config("gc:\n  enabled: false").start());
    private static RegistryApiClient client;

    @BeforeAll
    static void start() throws Exception {
        client = server.get().api();
    }

    private static String cli(String... args) {
        return BerthServer.runCli(server.get().dataDir(), args);
    }

    private static List<byte[]> image(String label, int layerBytes) {
        byte[] layer = new byte[layerBytes];
        new Random(label.hashCode()).nextBytes(layer);
        return List.of(("{\"label\":\"" + label + "\"}").getBytes(StandardCharsets.UTF_8), layer);
    }

    private static Digest push(String repo, String tag, String label) {
        Response r = client.pushImage(repo, tag, image(label, 2048));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return Digest.parse(r.header("Docker-Content-Digest"));
    }

    private static Digest tagged(String repo, String tag) {
        Response r = client.send("HEAD", "/v2/" + repo + "/manifests/" + tag, null);
        return r.status() == 200 ? Digest.parse(r.header("Docker-Content-Digest")) : null;
    }

    private static long blobFiles() throws Exception {
        try (Stream<Path> files = Files.walk(server.get().dataDir().resolve("blobs"))) {
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
        Response same = client.pushImage("locked/app", "v1.0", image("release", 2048));
        assertThat(same.status()).isEqualTo(201);
        Response moved = client.pushImage("locked/app", "v1.0", image("other", 2048));
        assertThat(moved.status()).isEqualTo(403);
        assertThat(moved.errorCode()).isEqualTo("DENIED");
        assertThat(moved.message()).contains("immutable").contains("v*");
        assertThat(client.send("DELETE", "/v2/locked/app/manifests/v1.0", null).status()).isEqualTo(403);
        assertThat(client.send("DELETE", "/v2/locked/app/manifests/" + v1, null).status()).isEqualTo(403);
        push("locked/app", "latest", "other");
        assertThatThrownBy(() -> cli("promote", "locked/app:latest", "--tag", "v1.0")).hasMessageContaining("immutable");
        assertThat(tagged("locked/app", "v1.0")).isEqualTo(v1);
        push("locked/app", "latest", "other2");
        cli("tag", "rollback", "locked/app:latest");
        cli("namespace", "immutable", "remove", "locked", "v*");
        assertThat(client.send("DELETE", "/v2/locked/app/manifests/v1.0", null).status()).isEqualTo(202);
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
        assertThat(client.send("GET", "/v2/ret/app/tags/list", null).text()).contains("build-2");
        cli("retention", "run", "ret");
        String tags = client.send("GET", "/v2/ret/app/tags/list", null).text();
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
        byte[] layer = image("bigger", 4096).get(1);
        Response over = client.send("POST", "/v2/quota/one/blobs/uploads/?digest=" + Digest.sha256(layer),
                layer, "Content-Type", "application/octet-stream");
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
        Response history = client.send("GET", "/api/v1/repositories/api/app/tags/prod/history", null);
        assertThat(history.status()).isEqualTo(200);
        assertThat(history.text()).contains(first.toString()).contains("\"operation\":\"push\"");
        Response rollback = client.send("POST", "/api/v1/repositories/api/app/tags/prod/rollback",
                "{\"steps\":1}".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        assertThat(rollback.text()).contains(first.toString());
        Response promote = client.send("POST", "/api/v1/promote", ("{\"repository\":\"api/app\",\"reference\":\"prod\","
                + "\"targetRepository\":\"api/released\",\"targetTag\":\"stable\"}").getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        assertThat(promote.status()).as(promote.text()).isEqualTo(201);
        assertThat(client.pullVerified("api/released", "stable")).isEqualTo(first);
        Response usage = client.send("GET", "/api/v1/namespaces/api/usage", null);
        assertThat(usage.text()).contains("\"usedBytes\":");
        Response gc = client.send("POST", "/api/v1/gc?dryRun=true", null);
        assertThat(gc.status()).isEqualTo(200);
        assertThat(gc.text()).contains("\"dryRun\":true").contains("\"leaseLost\":false");
        assertThat(client.send("DELETE", "/api/v1/repositories/api/released", null).status()).isEqualTo(202);
        assertThat(client.send("GET", "/v2/api/released/tags/list", null).status()).isEqualTo(404);
    }

    @Test
    void gcDryRunSaysWhatWouldGoAndDeletesNothing() throws Exception {
        push("dry/app", "x", "dry");
        client.send("DELETE", "/v2/dry/app/manifests/x", null);
        long before = blobFiles();
        String out = cli("gc", "--dry-run", "--grace", "0s", "--history-window", "0s");
        assertThat(out).contains("would delete manifest dry/app@").contains("dry run:");
        assertThat(blobFiles()).isEqualTo(before);
        String done = cli("gc", "--grace", "0s", "--history-window", "0s");
        assertThat(done).contains("deleted manifest dry/app@");
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError(body, e);
        }
    }

    private static JsonNode usage(String namespace) {
        Response r = client.send("GET", "/api/v1/namespaces/" + namespace + "/usage", null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return json(r.text());
    }

    private static JsonNode errorDetail(Response r) {
        return json(r.text()).path("errors").path(0).path("detail");
    }

    private static long uploadFiles() throws Exception {
        try (Stream<Path> files = Files.walk(server.get().dataDir().resolve("uploads"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static byte[] random(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static Response upload(String repo, byte[] blob) {
        return client.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(blob), blob, "Content-Type", "application/octet-stream");
    }

    @Test
    void aMonolithicUploadLargerThanTheQuotaIsRefusedWithUsageNumbersAndLeavesNothingBehind() throws Exception {
        cli("namespace", "quota", "mono", "3MiB");
        byte[] blob = random(5, 5_000_000);
        long blobs = blobFiles();
        long uploads = uploadFiles();
        Response refused = upload("mono/app", blob);
        assertThat(refused.status()).as(refused.text()).isEqualTo(403);
        assertThat(refused.errorCode()).isEqualTo("DENIED");
        assertThat(refused.message()).contains("quota").contains(String.valueOf(3 * 1024 * 1024));
        JsonNode detail = errorDetail(refused);
        JsonNode usage = usage("mono");
        assertThat(detail.path("usedBytes").asLong()).isEqualTo(usage.path("usedBytes").asLong()).isZero();
        assertThat(detail.path("quotaBytes").asLong()).isEqualTo(usage.path("quotaBytes").asLong())
                .isEqualTo(3 * 1024 * 1024);
        assertThat(detail.path("requestedBytes").asLong()).isEqualTo(blob.length);
        assertThat(client.send("HEAD", "/v2/mono/app/blobs/" + Digest.sha256(blob), null).status()).isEqualTo(404);
        assertThat(blobFiles()).as("bytes of the refused blob").isEqualTo(blobs);
        assertThat(uploadFiles()).as("upload of the refused blob").isEqualTo(uploads);
        assertThat(upload("mono/app", random(6, 1_000_000)).status()).as("a blob that fits").isEqualTo(201);
    }

    @Test
    void aChunkedUploadIsRefusedAtItsFinalPutAndItsBytesAreReleased() throws Exception {
        cli("namespace", "quota", "chunked", "3MiB");
        byte[] blob = random(7, 4 * 1024 * 1024);
        long blobs = blobFiles();
        long uploads = uploadFiles();
        Response started = client.send("POST", "/v2/chunked/app/blobs/uploads/", null);
        assertThat(started.status()).isEqualTo(202);
        String location = java.net.URI.create(started.header("Location")).getRawPath();
        int half = blob.length / 2;
        Response chunk = client.send("PATCH", location, java.util.Arrays.copyOf(blob, half), "Content-Type", "application/octet-stream");
        assertThat(chunk.status()).as(chunk.text()).isEqualTo(202);
        Response finish = client.send("PUT", location + "?digest=" + Digest.sha256(blob),
                java.util.Arrays.copyOfRange(blob, half, blob.length), "Content-Type", "application/octet-stream");
        assertThat(finish.status()).as(finish.text()).isEqualTo(403);
        assertThat(finish.errorCode()).isEqualTo("DENIED");
        assertThat(errorDetail(finish).path("usedBytes").asLong()).isEqualTo(usage("chunked").path("usedBytes").asLong());
        assertThat(client.send("GET", location, null).status()).as("the upload ended").isEqualTo(404);
        assertThat(client.send("HEAD", "/v2/chunked/app/blobs/" + Digest.sha256(blob), null).status()).isEqualTo(404);
        assertThat(blobFiles()).isEqualTo(blobs);
        assertThat(uploadFiles()).isEqualTo(uploads);
    }

    @Test
    void aReTagOfAStoredManifestIsAcceptedWhileTheNamespaceIsOverItsQuota() throws Exception {
        Digest stored = push("retag/app", "v1", "retagged");
        Response manifest = client.send("GET", "/v2/retag/app/manifests/v1", null);
        cli("namespace", "quota", "retag", "1");
        assertThat(usage("retag").path("usedBytes").asLong()).isGreaterThan(1);
        Response again = client.send("PUT", "/v2/retag/app/manifests/again", manifest.body(), "Content-Type", RegistryApiClient.OCI_MANIFEST);
        assertThat(again.status()).as(again.text()).isEqualTo(201);
        cli("promote", "retag/app:v1", "--tag", "prod");
        assertThat(tagged("retag/app", "prod")).isEqualTo(stored);
        assertThat(tagged("retag/app", "again")).isEqualTo(stored);
        assertThat(upload("retag/app", random(8, 1000)).status()).as("new bytes still refused").isEqualTo(403);
        long blobs = blobFiles();
        byte[] other = new String(manifest.body(), StandardCharsets.UTF_8)
                .replaceFirst("\\{", "{\"annotations\":{\"new\":\"bytes\"},").getBytes(StandardCharsets.UTF_8);
        Response fresh = client.send("PUT", "/v2/retag/app/manifests/fresh", other, "Content-Type", RegistryApiClient.OCI_MANIFEST);
        assertThat(fresh.status()).as(fresh.text()).isEqualTo(403);
        assertThat(fresh.errorCode()).isEqualTo("DENIED");
        assertThat(blobFiles()).as("bytes of the refused manifest").isEqualTo(blobs);
    }

    @Test
    void concurrentPushesIntoOneNamespaceNeverTakeItPastItsQuota() throws Exception {
        int size = 64 * 1024;
        cli("namespace", "quota", "racing", String.valueOf(3L * size + 1000));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> pushes = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] blob = random(100 + i, size);
                String repo = "racing/app-" + i;
                pushes.add(pool.submit(() -> upload(repo, blob).status()));
            }
            List<Integer> statuses = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<Integer> f : pushes) {
                statuses.add(f.get());
            }
            assertThat(statuses).as(statuses.toString()).containsOnly(201, 403);
            assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
        assertThat(usage("racing").path("usedBytes").asLong()).isEqualTo(3L * size);
    }

    /** "N candidates, N manifests, N blob links, N blobs, N bytes" of a gc summary line. */
    private static String totals(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(\\d+ candidates, \\d+ manifests, \\d+ blob links, \\d+ blobs, \\d+ bytes)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    private static List<String> items(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).sorted().toList();
    }

    @Test
    void gcDryRunReportsExactlyWhatTheRunStraightAfterItDoes() {
        byte[] shared = random(9, 512 * 1024);
        for (String tag : List.of("one", "two")) {
            byte[] config = ("{\"exact\":\"" + tag + "\"}").getBytes(StandardCharsets.UTF_8);
            Response r = client.pushImage("exact/app", tag, List.of(config, shared, random(tag.hashCode(), 1 << 20)));
            assertThat(r.status()).as(r.text()).isEqualTo(201);
            assertThat(client.send("DELETE", "/v2/exact/app/manifests/" + tag, null).status()).isEqualTo(202);
        }
        String dry = cli("gc", "--dry-run", "--grace", "0s", "--history-window", "0s");
        String run = cli("gc", "--grace", "0s", "--history-window", "0s");
        assertThat(totals(dry)).isEqualTo(totals(run));
        assertThat(items(dry, "would delete ")).isEqualTo(items(run, "deleted ")).isNotEmpty();
        long freed = Long.parseLong(totals(run).replaceAll(".* (\\d+) bytes$", "$1"));
        assertThat(freed).as("both images' layers go with their manifests").isGreaterThan(2L * (1 << 20) + 512 * 1024);
    }
}
