package io.berth.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The online garbage collection proof: the server collects every 100 ms with a one-second grace period while four
 * clients push, re-tag, delete and pull images that share layers, for a fixed number of rounds. A push may be
 * refused, but a tag never points at an incomplete image; at the end every tagged image pulls byte-identical, and
 * after a final collection with grace period and history window zero the blob store holds exactly the bytes of what
 * is still referenced.
 */
class GarbageCollectionProofTest {
    private static final int CLIENTS = 4;
    private static final int ROUNDS = 25;

    @Test
    @Timeout(300)
    void collectionWhileClientsPushRetagDeleteAndPullNeverBreaksATaggedImageAndLeaksNothing() throws Exception {
        Path data = BerthServer.newDataDir();
        Path config = Files.createDirectories(data.getParent()).resolve("gc.yaml");
        Files.writeString(config, "gc:\n  interval: 100ms\n  gracePeriod: 1s\nhistory:\n  window: 1s\n");
        byte[] base = randomBytes(1, 64 * 1024);
        byte[] shared = randomBytes(2, 16 * 1024);
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger pushes = new AtomicInteger();
        try (BerthServer server = BerthServer.start(data, List.of("--config", config.toString()))) {
            RegistryApiClient client = server.api();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int id = c;
                futures.add(pool.submit(() -> {
                    Random random = new Random(id);
                    for (int round = 0; round < ROUNDS; round++) {
                        String repo = "proof/app-" + (random.nextInt(3));
                        String tag = "t" + random.nextInt(4);
                        byte[] config1 = ("{\"client\":" + id + ",\"round\":" + round + "}").getBytes(StandardCharsets.UTF_8);
                        byte[] own = randomBytes(1000 + id * 100 + round, 4096);
                        Response push = client.pushImage(repo, tag, List.of(config1, base, shared, own));
                        pushes.incrementAndGet();
                        if (push.status() != 201) {
                            refused.incrementAndGet();
                            assertThat(push.errorCode()).as(push.text()).isEqualTo("MANIFEST_BLOB_UNKNOWN");
                        }
                        switch (random.nextInt(4)) {
                            case 0 -> client.send("DELETE", "/v2/" + repo + "/manifests/" + tag, null);
                            case 1 -> {
                                Response m = client.send("GET", "/v2/" + repo + "/manifests/" + tag, null);
                                if (m.status() == 200) {
                                    client.send("PUT", "/v2/" + repo + "/manifests/re" + tag, m.body(), "Content-Type", RegistryApiClient.OCI_MANIFEST);
                                }
                            }
                            default -> { }
                        }
                        // Whatever is tagged right now must pull completely.
                        Response tags = client.send("GET", "/v2/" + repo + "/tags/list", null);
                        if (tags.status() == 200 && tags.text().contains("\"" + tag + "\"")) {
                            Response m = client.send("GET", "/v2/" + repo + "/manifests/" + tag, null);
                            if (m.status() == 200) {
                                client.pullVerified(repo, Digest.sha256(m.body()).toString());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdownNow();

            // Every image still tagged pulls byte-identical.
            Set<Digest> referenced = new HashSet<>();
            Map<Digest, Long> sizes = new ConcurrentHashMap<>();
            for (int r = 0; r < 3; r++) {
                String repo = "proof/app-" + r;
                Response tags = client.send("GET", "/v2/" + repo + "/tags/list", null);
                if (tags.status() != 200) {
                    continue;
                }
                for (String tag : tagNames(tags.text())) {
                    Digest manifest = client.pullVerified(repo, tag);
                    Response m = client.send("GET", "/v2/" + repo + "/manifests/" + manifest, null);
                    referenced.add(manifest);
                    sizes.put(manifest, (long) m.body().length);
                    for (String d : digestsIn(m.text())) {
                        Digest digest = Digest.parse(d);
                        referenced.add(digest);
                        Response head = client.send("HEAD", "/v2/" + repo + "/blobs/" + digest, null);
                        sizes.put(digest, Long.parseLong(head.header("Content-Length")));
                    }
                }
            }
            assertThat(pushes.get()).isEqualTo(CLIENTS * ROUNDS);
            assertThat(server.process().logText()).as("the background collector deleted things while clients worked")
                    .containsPattern("gc: \\d+ candidates, [1-9]\\d* manifests");

            // A final collection with no grace and no history: what stays is exactly what is referenced.
            String out = BerthServer.runCli(data, "gc", "--grace", "0s", "--history-window", "0s");
            assertThat(out).contains("done:");
            long expected = sizes.values().stream().mapToLong(Long::longValue).sum();
            assertThat(storedBlobBytes(data)).as("bytes on disk vs referenced (refused pushes: %s)", refused.get())
                    .isEqualTo(expected);
            assertThat(storedBlobCount(data)).isEqualTo(referenced.size());
        }
    }

    private static byte[] randomBytes(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static List<String> tagNames(String tagList) {
        List<String> tags = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"tags\":\\[(.*?)]").matcher(tagList);
        if (m.find() && !m.group(1).isBlank()) {
            for (String t : m.group(1).split(",")) {
                tags.add(t.replace("\"", "").trim());
            }
        }
        return tags;
    }

    private static List<String> digestsIn(String manifest) {
        List<String> digests = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sha256:[0-9a-f]{64}").matcher(manifest);
        while (m.find()) {
            digests.add(m.group());
        }
        return digests;
    }

    private static long storedBlobBytes(Path data) throws IOException {
        try (Stream<Path> files = Files.walk(data.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static long storedBlobCount(Path data) throws IOException {
        try (Stream<Path> files = Files.walk(data.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
