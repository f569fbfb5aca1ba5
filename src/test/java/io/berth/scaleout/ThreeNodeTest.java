package io.berth.scaleout;

import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.RoundRobinProxy;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Three Berth processes on loopback ports sharing one PostgreSQL and one S3 bucket (S3Proxy), behind a round-robin
 * load balancer that sends every request to the next node. Clients address the balancer (or, to pin a request to
 * a node, the node itself). The tests run in order: the later ones check what the earlier ones pushed, from every
 * node, after one node was killed with SIGKILL and started again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThreeNodeTest {
    private static final int MIB = 1 << 20;
    /** Idle uploads are purged after this, so the ones a killed node abandoned are gone before the last test. */
    private static final int UPLOAD_MAX_AGE_SECONDS = 8;

    private static SharedStores stores;
    private static Path config;
    private static final BerthServer[] nodes = new BerthServer[3];
    private static RoundRobinProxy balancer;
    /** Every image pushed by any test; the last tests pull each one from every node. */
    private static final List<Images.Image> pushed = new CopyOnWriteArrayList<>();
    private static final List<byte[]> base = List.of(Images.bytes(1, 2 * MIB), Images.bytes(2, 512 * 1024));
    /** Requests the killed node was serving when it died. */
    private static int inFlightAtKill;

    @BeforeAll
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    static void startFleet() throws Exception {
        stores = SharedStores.start();
        config = stores.writeConfig(BerthServer.newDataDir().resolveSibling("berth.yaml"), """
                uploads: {maxAge: %ds, purgeInterval: 1s}
                gc: {enabled: false}
                """.formatted(UPLOAD_MAX_AGE_SECONDS));
        try (ExecutorService starting = Executors.newFixedThreadPool(3)) {
            List<Future<BerthServer>> started = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path data = BerthServer.newDataDir();
                started.add(starting.submit(() -> startNode(data)));
            }
            Exception failed = null;
            for (int i = 0; i < 3; i++) {
                try {
                    nodes[i] = started.get(i).get();
                } catch (Exception e) {
                    failed = e;
                }
            }
            if (failed != null) {
                throw failed;
            }
        }
        balancer = new RoundRobinProxy(Arrays.stream(nodes).map(ThreeNodeTest::port).toList());
    }

    private static BerthServer startNode(Path data) {
        return BerthServer.start(data, List.of("--config", config.toString()), SharedStores.NODE_ENV);
    }

    private static int port(BerthServer node) {
        return Integer.parseInt(node.hostPort().substring(node.hostPort().lastIndexOf(':') + 1));
    }

    @AfterAll
    static void stopFleet() {
        if (balancer != null) {
            balancer.close();
        }
        for (BerthServer node : nodes) {
            if (node != null) {
                node.close();
            }
        }
        if (stores != null) {
            stores.close();
        }
    }

    private static OciClient node(int index) {
        return new OciClient(nodes[index].hostPort());
    }

    @Test
    @Order(1)
    void an_image_pushed_through_node_1_pulls_byte_identical_through_node_3() {
        Images.Image image = Images.image("fleet/first", "v1", Images.OCI_MANIFEST, base, 10, 700 * 1024);
        image.push(node(0), 256 * 1024);
        pushed.add(image);

        image.verify(node(2));
    }

    @Test
    @Order(2)
    void chunks_of_one_upload_sent_to_three_nodes_make_the_right_blob() throws Exception {
        String repo = "fleet/chunked";
        byte[] blob = Images.bytes(20, 11 * MIB);
        Digest digest = Digest.sha256(blob);
        OciClient n1 = node(0);
        OciClient n2 = node(1);
        OciClient n3 = node(2);

        Response post = OciClient.expect(n1.send("POST", "/v2/" + repo + "/blobs/uploads/", null), 202);
        String upload = RegistryApiClient.pathAndQuery(post.header("Location"));
        Response first = OciClient.expect(n2.send("PATCH", upload, Arrays.copyOfRange(blob, 0, 3 * MIB),
                "Content-Type", OciClient.OCTETS, "Content-Range", "0-" + (3 * MIB - 1)), 202);
        upload = RegistryApiClient.pathAndQuery(first.header("Location"));
        Response second = OciClient.expect(n3.send("PATCH", upload, Arrays.copyOfRange(blob, 3 * MIB, 9 * MIB),
                "Content-Type", OciClient.OCTETS, "Content-Range", 3 * MIB + "-" + (9 * MIB - 1)), 202);
        upload = RegistryApiClient.pathAndQuery(second.header("Location"));
        Response status = OciClient.expect(n1.send("GET", upload, null), 204);
        assertThat(status.header("Range")).isEqualTo("0-" + (9 * MIB - 1));
        Response put = n1.send("PUT", RegistryApiClient.withQuery(upload, "digest=" + digest),
                Arrays.copyOfRange(blob, 9 * MIB, blob.length), "Content-Type", OciClient.OCTETS);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(digest.toString());
        assertThat(n2.blob(repo, digest)).isEqualTo(blob);
        Response head = OciClient.expect(n3.send("HEAD", "/v2/" + repo + "/blobs/" + digest, null), 200);
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(blob.length));
        assertThat(stores.count("SELECT count(*) FROM uploads")).as("sessions left").isZero();

        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes();
        Images.Image image = new Images.Image(repo, "v1", Images.OCI_MANIFEST, config, List.of(blob),
                Images.manifest(Images.OCI_MANIFEST, config, List.of(blob)));
        image.push(n3, 0);
        pushed.add(image);
    }

    @Test
    @Order(3)
    void while_one_node_appends_to_an_upload_another_node_refuses_a_second_append() throws Exception {
        String repo = "fleet/contended";
        byte[] first = Images.bytes(40, 64 * 1024);
        byte[] second = Images.bytes(41, 64 * 1024);
        OciClient n1 = node(0);
        OciClient n3 = node(2);
        String upload = RegistryApiClient.pathAndQuery(OciClient.expect(
                n1.send("POST", "/v2/" + repo + "/blobs/uploads/", null), 202).header("Location"));
        String id = upload.substring(upload.lastIndexOf('/') + 1).replaceAll("\\?.*", "");

        int port = port(nodes[1]);
        try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), port)) {
            // Node 2 receives all but the last byte of its chunk, and holds the upload while it waits for it.
            OutputStream out = slow.getOutputStream();
            out.write(("PATCH " + upload + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: "
                    + OciClient.OCTETS + "\r\nContent-Range: 0-" + (first.length - 1) + "\r\nContent-Length: "
                    + first.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(first, 0, first.length - 1);
            out.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stores.count("SELECT count(*) FROM uploads WHERE writer IS NOT NULL AND id = '" + id + "'") == 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            Response refused = n1.send("PATCH", upload, second, "Content-Type", OciClient.OCTETS,
                    "Content-Range", "0-" + (second.length - 1));
            assertThat(refused.status()).as("%s", refused).isEqualTo(416);

            out.write(first, first.length - 1, 1);
            out.flush();
            String head = new String(slow.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertThat(head).isEqualTo("HTTP/1.1 202");
        }
        Response wrong = n1.send("PUT", RegistryApiClient.withQuery(upload, "digest=" + Digest.sha256(second)), null);
        assertThat(wrong.status()).as("%s", wrong).isEqualTo(400);
        Response put = n3.send("PUT", RegistryApiClient.withQuery(upload, "digest=" + Digest.sha256(first)), null);
        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(n1.blob(repo, Digest.sha256(first))).isEqualTo(first);
        assertThat(n1.blob(repo, Digest.sha256(second))).isNull();
    }

    @Test
    @Order(4)
    void a_tag_moved_through_node_1_is_seen_by_the_next_request_to_node_2() {
        String repo = "fleet/moving";
        OciClient n1 = node(0);
        OciClient n2 = node(1);
        List<Images.Image> versions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Images.Image image = Images.image(repo, null, Images.OCI_MANIFEST, List.of(), 30 + i, 1024);
            image.push(n1, 0);
            versions.add(image);
        }
        for (int move = 0; move < 12; move++) {
            Images.Image target = versions.get(move % versions.size());
            n1.pushManifest(repo, "live", target.manifest(), target.mediaType());

            assertThat(n2.manifest(repo, "live", Images.ACCEPT_ALL)).as("move %d", move).isEqualTo(target.manifest());
        }
        OciClient.expect(n1.retrying(() -> n1.send("DELETE", "/v2/" + repo + "/manifests/live", null)), 202);
        assertThat(n2.manifest(repo, "live", Images.ACCEPT_ALL)).as("deleted tag").isNull();
        n1.pushManifest(repo, "live", versions.getFirst().manifest(), Images.OCI_MANIFEST);
        pushed.add(new Images.Image(repo, "live", Images.OCI_MANIFEST, versions.getFirst().config(),
                versions.getFirst().layers(), versions.getFirst().manifest()));
    }

    @Test
    @Order(5)
    void eight_concurrent_pushes_sharing_base_layers_spread_over_the_nodes() throws Exception {
        int[] before = requestsPerNode();
        List<Images.Image> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(Images.image("fleet/app-" + i, "v1", i % 2 == 0 ? Images.OCI_MANIFEST : Images.DOCKER_MANIFEST,
                    base, 100 + i, MIB + i * 4096));
        }
        OciClient client = new OciClient(balancer.hostPort());

        long start = System.nanoTime();
        runConcurrently(images, image -> image.push(client, images.indexOf(image) % 2 == 0 ? 0 : 384 * 1024));
        double pushSeconds = seconds(start);
        pushed.addAll(images);
        start = System.nanoTime();
        runConcurrently(images, image -> image.verify(client));
        double pullSeconds = seconds(start);
        int manifestReads = 50;
        start = System.nanoTime();
        runConcurrently(images, image -> {
            for (int i = 0; i < manifestReads; i++) {
                assertThat(client.manifest(image.repo(), image.tag(), Images.ACCEPT_ALL)).isEqualTo(image.manifest());
            }
        });
        double readSeconds = seconds(start);

        int[] after = requestsPerNode();
        for (int i = 0; i < 3; i++) {
            assertThat(after[i] - before[i]).as("requests to node %d", i + 1).isGreaterThan(10);
        }
        long bytes = images.stream().mapToLong(ThreeNodeTest::imageBytes).sum();
        System.out.printf(Locale.ROOT, "3 nodes, 8 concurrent pushes: %.1f MiB of image bytes pushed in %.2f s (%.1f MiB/s,"
                + " %d bytes sent incl. shared base layers pushed concurrently), pulled in %.2f s (%.1f MiB/s);"
                + " %d manifest GETs in %.2f s (%.0f/s); requests per node %d/%d/%d%n", bytes / (double) MIB, pushSeconds,
                bytes / (double) MIB / pushSeconds, client.bytesSent(), pullSeconds, bytes / (double) MIB / pullSeconds,
                manifestReads * images.size(), readSeconds, manifestReads * images.size() / readSeconds,
                after[0] - before[0], after[1] - before[1], after[2] - before[2]);
    }

    @Test
    @Order(6)
    void pushes_survive_a_node_killed_with_sigkill_in_the_middle() throws Exception {
        List<Images.Image> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(Images.image("fleet/survivor-" + i, "v1", Images.OCI_MANIFEST, base, 200 + i, 3 * MIB));
        }
        OciClient client = new OciClient(balancer.hostPort());
        int doneBefore = balancer.requests(1);

        long start = System.nanoTime();
        try (ExecutorService pushing = Executors.newFixedThreadPool(images.size())) {
            List<Future<Digest>> pushes = images.stream()
                    .map(image -> pushing.submit(() -> image.push(client, 768 * 1024))).toList();
            // Kill node 2 while it is answering a request, once the pushes are well under way.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((balancer.requests(1) - doneBefore < 15 || balancer.active(1) == 0) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            int inFlight = balancer.active(1);
            nodes[1].process().kill();
            inFlightAtKill = inFlight;
            double killedAt = seconds(start);
            for (Future<Digest> push : pushes) {
                push.get(45, TimeUnit.SECONDS);
            }
            System.out.printf(Locale.ROOT, "killed node 2 at %.2f s with %d request(s) in flight on it; 8 pushes done at"
                    + " %.2f s after %d client retries%n", killedAt, inFlight, seconds(start), client.retries());
            assertThat(inFlight).as("requests in flight on the killed node").isPositive();
            assertThat(client.retries()).as("client retries").isPositive();
        }
        pushed.addAll(images);

        // Stateless: the node comes back on a fresh data directory (its old log stays for a look after a failure).
        nodes[1] = startNode(BerthServer.newDataDir());
        balancer.replace(1, port(nodes[1]));

        try (ExecutorService pulling = Executors.newFixedThreadPool(6)) {
            List<Future<?>> pulls = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                OciClient direct = node(n);
                for (Images.Image image : pushed) {
                    pulls.add(pulling.submit(() -> image.verify(direct)));
                }
            }
            for (Future<?> pull : pulls) {
                pull.get(45, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @Order(7)
    void no_upload_is_left_in_the_bucket_once_uploads_are_finished_cancelled_or_purged() throws Exception {
        try (S3Client s3 = stores.s3.client()) {
            String probe = s3.createMultipartUpload(b -> b.bucket(stores.bucket).key("probe")).uploadId();
            assertThat(stores.multipartUploads()).as("the listing shows multipart uploads").anyMatch(u -> u.contains(probe));
            s3.abortMultipartUpload(b -> b.bucket(stores.bucket).key("probe").uploadId(probe));
        }
        String cancelled = uploadWithOneFullPart("fleet/cancelled");
        OciClient.expect(node(2).send("DELETE", cancelled, null), 204);
        uploadWithOneFullPart("fleet/abandoned");
        assertThat(stores.keys("uploads/")).as("the abandoned upload's part and state").isNotEmpty();

        // A purge forgets the session first, then deletes its objects: wait for both.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(UPLOAD_MAX_AGE_SECONDS + 20);
        while ((stores.count("SELECT count(*) FROM uploads") > 0 || !objectsOfKnownUploads().isEmpty())
                && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }

        assertThat(stores.count("SELECT count(*) FROM uploads")).as("upload sessions left").isZero();
        assertThat(objectsOfKnownUploads()).as("objects left of uploads clients started").isEmpty();
        assertThat(stores.multipartUploads()).as("multipart uploads left").isEmpty();
        // A POST the killed node was serving may have stored its upload's first state object without recording the
        // session (Uploads.start writes the bytes first), which no purge finds: at most one per request it served.
        List<String> orphans = stores.keys("uploads/");
        System.out.println("upload objects no session ever named (left by the SIGKILL): " + orphans);
        assertThat(orphans).as("orphans").allMatch(key -> key.endsWith("/state-0")).hasSizeLessThanOrEqualTo(inFlightAtKill);
        assertThat(stores.keys("blobs/")).as("blobs").hasSizeGreaterThan(pushed.size());
    }

    /** Objects under uploads/ of uploads a registry told a client about. */
    private static List<String> objectsOfKnownUploads() {
        return stores.keys("uploads/").stream()
                .filter(key -> OciClient.UPLOADS_SEEN.contains(key.split("/")[1]))
                .toList();
    }

    /** Starts an upload on node 1 and sends it 6 MiB (one full part and a tail) through node 2; returns its URL. */
    private static String uploadWithOneFullPart(String repo) throws OciClient.Retryable {
        byte[] chunk = Images.bytes(repo.hashCode(), 6 * MIB);
        Response post = OciClient.expect(node(0).send("POST", "/v2/" + repo + "/blobs/uploads/", null), 202);
        String upload = RegistryApiClient.pathAndQuery(post.header("Location"));
        OciClient.expect(node(1).send("PATCH", upload, chunk, "Content-Type", OciClient.OCTETS,
                "Content-Range", "0-" + (chunk.length - 1)), 202);
        return upload;
    }

    private static int[] requestsPerNode() {
        return new int[] {balancer.requests(0), balancer.requests(1), balancer.requests(2)};
    }

    private static long imageBytes(Images.Image image) {
        return image.config().length + image.manifest().length + image.layers().stream().mapToLong(l -> l.length).sum();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @FunctionalInterface
    private interface ImageTask {
        void run(Images.Image image) throws Exception;
    }

    private static void runConcurrently(List<Images.Image> images, ImageTask task) throws Exception {
        try (ExecutorService threads = Executors.newFixedThreadPool(images.size())) {
            List<Future<?>> futures = new ArrayList<>();
            for (Images.Image image : images) {
                futures.add(threads.submit(() -> {
                    task.run(image);
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(45, TimeUnit.SECONDS);
            }
        }
    }
}
