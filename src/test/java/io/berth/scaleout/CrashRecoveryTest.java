package io.berth.scaleout;

import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * kill -9 during pushes, on one data directory (filesystem store, SQLite): four clients push random multi-layer images
 * (some layers in chunks), the server is killed with SIGKILL at a random moment, started again on the same data, and
 * then every push it acknowledged (201 on the manifest) must pull byte for byte, a manifest whose answer was lost must
 * be either absent or exact, and every upload a client was in the middle of must resume from the offset the server
 * reports and commit, or be cleanly gone (404); no request may answer 5xx. The default is a few rounds (about a
 * minute); -Dberth.crash.rounds=20 runs the long form (docs/RELIABILITY.md has its command and counts).
 */
class CrashRecoveryTest {
    private static final int ROUNDS = Integer.getInteger("berth.crash.rounds", 3);
    private static final long SEED = Long.getLong("berth.crash.seed", System.nanoTime());
    private static final int PUSHERS = 4;
    private static final int CHUNK = 64 * 1024;
    /**
     * An upload the dead process had claimed may answer 416 for a while after a restart, until the claim expires (issue
     * 12 #15 releases such claims at start-up); a resume is retried that long, and the retries are counted.
     */
    private static final Duration CLAIM_WAIT = Duration.ofSeconds(35);

    /** An image a client pushed; acknowledged when its manifest PUT answered 201. */
    private record Push(Images.Image image, boolean acknowledged) {}

    /** An upload a client had begun when the server died, with the bytes it meant to send. */
    private record Unfinished(String repo, String location, byte[] content) {}

    /** This round's pushes; checked after the restart, then the acknowledged ones join {@link #acknowledged}. */
    private final List<Push> pushes = new CopyOnWriteArrayList<>();
    private final List<Images.Image> acknowledged = new ArrayList<>();
    private final List<Unfinished> unfinished = new CopyOnWriteArrayList<>();
    private final List<String> serverErrors = new CopyOnWriteArrayList<>();
    private final List<String> lost = new CopyOnWriteArrayList<>();
    private final AtomicInteger verified = new AtomicInteger();
    private final AtomicInteger resumed = new AtomicInteger();
    private final AtomicInteger gone = new AtomicInteger();
    private final AtomicInteger claimRetries = new AtomicInteger();

    @Test
    void everyAcknowledgedPushSurvivesKillNineAndUnfinishedUploadsResumeOrAreGone() {
        assertTimeoutPreemptively(Duration.ofSeconds(90 + 60L * ROUNDS), this::crashLoop);
    }

    private void crashLoop() throws Exception {
        Random random = new Random(SEED);
        Path data = BerthServer.newDataDir();
        Path config = Files.createDirectories(data.getParent()).resolve("berth.yaml");
        Files.writeString(config, "gc:\n  enabled: false\nlog:\n  access: false\n");
        List<String> args = List.of("--config", config.toString());
        for (int round = 1; round <= ROUNDS; round++) {
            BerthServer server = BerthServer.start(data, args);
            try {
                OciClient client = new OciClient(server.hostPort());
                recover(client);
                pushUntilKilled(server, round, random);
            } finally {
                server.close();
            }
        }
        try (BerthServer server = BerthServer.start(data, args)) {
            OciClient client = new OciClient(server.hostPort());
            recover(client);
            verified.set(0);
            for (Images.Image image : acknowledged) {
                verifyAcknowledged(client, image);
            }
        }
        String counts = String.format(Locale.ROOT, "crash test (seed %d): %d rounds, %d pushes acknowledged, %d verified, "
                        + "%d lost; unfinished uploads: %d resumed, %d gone (404); %d resumes retried after 416; %d 5xx",
                SEED, ROUNDS, acknowledged.size(), verified.get(), lost.size(), resumed.get(), gone.get(), claimRetries.get(),
                serverErrors.size());
        System.out.println(counts);
        assertThat(lost).as(counts).isEmpty();
        assertThat(serverErrors).as(counts).isEmpty();
        assertThat(verified.get()).as(counts).isEqualTo(acknowledged.size());
        assertThat(acknowledged).as("pushes acknowledged at all: " + counts).isNotEmpty();
    }

    /** Starts the pushers, kills the server with SIGKILL after a random moment, and waits for the pushers to stop. */
    private void pushUntilKilled(BerthServer server, int round, Random random) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PUSHERS);
        try {
            List<Future<?>> pushers = new ArrayList<>();
            for (int p = 0; p < PUSHERS; p++) {
                long seed = random.nextLong();
                String repo = "crash/p" + p;
                String tagPrefix = "r" + round + "-";
                pushers.add(pool.submit(() -> pushLoop(new OciClient(server.hostPort()), repo, tagPrefix, new Random(seed))));
            }
            Thread.sleep(800 + random.nextInt(2700));
            server.process().kill();
            for (Future<?> pusher : pushers) {
                pusher.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Pushes images until a request fails (the server died); records what was acknowledged and what was unfinished. */
    private void pushLoop(OciClient client, String repo, String tagPrefix, Random random) {
        for (int n = 0; n < 10_000; n++) {
            List<byte[]> base = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                base.add(Images.bytes(random.nextLong(), 1024 + random.nextInt(400 * 1024)));
            }
            Images.Image image = Images.image(repo, tagPrefix + n, Images.OCI_MANIFEST, base, random.nextLong(),
                    1024 + random.nextInt(400 * 1024));
            try {
                pushBlob(client, repo, image.config());
                for (byte[] layer : image.layers()) {
                    pushBlob(client, repo, layer);
                }
            } catch (OciClient.Retryable e) {
                noteFailure(e);
                return;
            }
            try {
                Response reply = client.send("PUT", "/v2/" + repo + "/manifests/" + image.tag(), image.manifest(),
                        "Content-Type", image.mediaType());
                assertThat(reply.status()).as("manifest PUT %s:%s: %s", repo, image.tag(), reply).isEqualTo(201);
                pushes.add(new Push(image, true));
            } catch (OciClient.Retryable e) {
                pushes.add(new Push(image, false));
                noteFailure(e);
                return;
            }
        }
    }

    private void pushBlob(OciClient client, String repo, byte[] content) throws OciClient.Retryable {
        Digest digest = Digest.sha256(content);
        if (client.send("HEAD", "/v2/" + repo + "/blobs/" + digest, null).status() == 200) {
            return;
        }
        Response post = OciClient.expect(client.send("POST", "/v2/" + repo + "/blobs/uploads/", null), 202);
        String location = client.absolute(post.header("Location"));
        Unfinished upload = new Unfinished(repo, location, content);
        unfinished.add(upload);
        int offset = 0;
        while (content.length - offset > CHUNK) {
            byte[] piece = Arrays.copyOfRange(content, offset, offset + CHUNK);
            Response patch = OciClient.expect(client.send("PATCH", location, piece, "Content-Type", OciClient.OCTETS,
                    "Content-Range", offset + "-" + (offset + piece.length - 1)), 202);
            location = client.absolute(patch.header("Location"));
            offset += piece.length;
        }
        OciClient.expect(client.send("PUT", RegistryApiClient.withQuery(location, "digest=" + digest),
                Arrays.copyOfRange(content, offset, content.length), "Content-Type", OciClient.OCTETS), 201);
        unfinished.remove(upload);
    }

    /** A failed connection is the kill; a 5xx answer is a fault. */
    private void noteFailure(OciClient.Retryable e) {
        if (e.getCause() == null) {
            serverErrors.add(e.getMessage());
        }
    }

    /** After a restart: the last round's pushes are checked (all of them again at the end), and each unfinished upload resumed or found gone. */
    private void recover(OciClient client) throws Exception {
        for (Push push : pushes) {
            if (push.acknowledged()) {
                verifyAcknowledged(client, push.image());
                acknowledged.add(push.image());
            } else {
                verifyAbsentOrExact(client, push.image());
            }
        }
        pushes.clear();
        for (Unfinished upload : unfinished) {
            resumeOrGone(client, upload);
        }
        unfinished.clear();
    }

    private void verifyAcknowledged(OciClient client, Images.Image image) throws OciClient.Retryable {
        String where = image.repo() + ":" + image.tag();
        Response manifest = get(client, "/v2/" + image.repo() + "/manifests/" + image.tag(), "Accept", Images.ACCEPT_ALL);
        if (manifest.status() != 200 || !Arrays.equals(manifest.body(), image.manifest())) {
            lost.add(where + " manifest: " + manifest.status());
            return;
        }
        List<byte[]> blobs = new ArrayList<>(image.layers());
        blobs.add(image.config());
        for (byte[] blob : blobs) {
            Digest digest = Digest.sha256(blob);
            Response reply = get(client, "/v2/" + image.repo() + "/blobs/" + digest);
            if (reply.status() != 200 || !Arrays.equals(reply.body(), blob)) {
                lost.add(where + " blob " + digest + ": " + reply.status());
                return;
            }
        }
        verified.incrementAndGet();
    }

    /** A manifest PUT whose answer the kill cut off: committed whole, or not at all. */
    private void verifyAbsentOrExact(OciClient client, Images.Image image) throws OciClient.Retryable {
        Response manifest = get(client, "/v2/" + image.repo() + "/manifests/" + image.tag(), "Accept", Images.ACCEPT_ALL);
        if (manifest.status() == 200) {
            assertThat(manifest.body()).as("unacknowledged %s:%s", image.repo(), image.tag()).isEqualTo(image.manifest());
        } else {
            assertThat(manifest.status()).as("unacknowledged %s:%s: %s", image.repo(), image.tag(), manifest).isEqualTo(404);
        }
    }

    /** Resumes the upload from the offset the server reports and commits it, or finds it gone (404). */
    private void resumeOrGone(OciClient client, Unfinished upload) throws Exception {
        long deadline = System.nanoTime() + CLAIM_WAIT.toNanos();
        // The restarted server listens on another port: the Location's path and query name the upload.
        String path = RegistryApiClient.pathAndQuery(upload.location());
        while (true) {
            Response status = get(client, path);
            if (status.status() == 404) {
                assertThat(status.text()).contains("BLOB_UPLOAD_UNKNOWN");
                gone.incrementAndGet();
                return;
            }
            OciClient.expect(status, 204);
            // "0-<last byte>"; chunks are never a single byte, so 0-0 means nothing was received.
            long last = Long.parseLong(status.header("Range").substring(2));
            int offset = last == 0 ? 0 : (int) last + 1;
            assertThat(offset).as("offset of %s", upload.location()).isLessThanOrEqualTo(upload.content().length);
            String location = path;
            Digest digest = Digest.sha256(upload.content());
            Response reply = offset == upload.content().length ? null : send(client, "PATCH", location,
                    Arrays.copyOfRange(upload.content(), offset, upload.content().length), "Content-Type", OciClient.OCTETS,
                    "Content-Range", offset + "-" + (upload.content().length - 1));
            if (reply != null && reply.status() == 202) {
                location = client.absolute(reply.header("Location"));
            }
            if (reply == null || reply.status() == 202) {
                reply = send(client, "PUT", RegistryApiClient.withQuery(location, "digest=" + digest), null);
            }
            if (reply.status() == 416 && System.nanoTime() < deadline) {
                claimRetries.incrementAndGet();
                Thread.sleep(500);
                continue;
            }
            assertThat(reply.status()).as("resume of %s at %d: %s", upload.location(), offset, reply).isEqualTo(201);
            Response blob = get(client, "/v2/" + upload.repo() + "/blobs/" + digest);
            assertThat(blob.status()).isEqualTo(200);
            assertThat(blob.body()).as("resumed blob %s", digest).isEqualTo(upload.content());
            resumed.incrementAndGet();
            return;
        }
    }

    private Response get(OciClient client, String pathOrUrl, String... headers) throws OciClient.Retryable {
        return send(client, "GET", pathOrUrl, null, headers);
    }

    /** One request after a restart; a 5xx answer is recorded as a fault and returned to the caller as it came. */
    private Response send(OciClient client, String method, String pathOrUrl, byte[] body, String... headers)
            throws OciClient.Retryable {
        try {
            return client.send(method, pathOrUrl, body, headers);
        } catch (OciClient.Retryable e) {
            if (e.getCause() != null) {
                throw e;
            }
            serverErrors.add(e.getMessage());
            return new Response(method, pathOrUrl, 500, Map.of(), new byte[0]);
        }
    }
}
