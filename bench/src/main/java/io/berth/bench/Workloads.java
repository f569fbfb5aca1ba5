package io.berth.bench;

import io.berth.bench.Content.Blob;
import io.berth.bench.Content.Descriptor;
import io.berth.bench.Content.Image;
import io.berth.bench.Http.Connection;
import io.berth.bench.Http.Request;
import io.berth.bench.Http.Sink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The workloads, each run the same way against every target. Content is made before the clock starts; every
 * answer is checked (status, sizes, digests where the client verifies), and every loop is bounded in count and time.
 */
final class Workloads {
    private static final long PHASE_TIMEOUT_SECONDS = 1800;

    private final Settings settings;
    private final Results results;
    /** Blob workloads: one event loop per connection, so a verifying client hashes on as many threads as streams. */
    private final Http blobHttp;
    /** Small requests: few event loops for many connections. */
    private final Http smallHttp;
    private final ByteBuffer[] layerBuffers;
    private final SplittableRandom random = new SplittableRandom();
    /** The image each target got from its last push in each round, pulled by the pull workloads. */
    private final Map<String, Image> pushed = new ConcurrentHashMap<>();
    private DiscardServer discard;

    Workloads(Settings settings, Results results) {
        this.settings = settings;
        this.results = results;
        this.blobHttp = new Http(settings.blobConcurrency());
        this.smallHttp = new Http(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
        this.layerBuffers = new ByteBuffer[settings.layers()];
        for (int i = 0; i < layerBuffers.length; i++) {
            layerBuffers[i] = Content.allocate(settings.layerBytes());
        }
    }

    /** The generator's target serves blobs from this run's memory. */
    void useDiscardServer(DiscardServer server) {
        this.discard = server;
    }

    void close() {
        blobHttp.close();
        smallHttp.close();
    }

    // ---- push and pull

    /** Pushes an image of settings.layers() fresh random layers, blobConcurrency at a time, then its manifest. */
    void push(Target target, int round, boolean chunked) throws Exception {
        String mode = chunked ? "chunked" : "monolithic";
        String repository = "bench/push-" + mode + "-r" + round;
        List<Blob> layers = new ArrayList<>();
        for (ByteBuffer buffer : layerBuffers) {
            layers.add(Content.refill(buffer));
        }
        List<Descriptor> layerDescriptors = layers.stream()
                .map(b -> new Descriptor(RegistryClient.OCI_LAYER, b.digest(), b.size())).toList();
        Blob config = Content.of(Content.config(layerDescriptors, repository + ":" + target.label()));
        Descriptor configDescriptor = new Descriptor(RegistryClient.OCI_CONFIG, config.digest(), config.size());
        byte[] manifest = Content.manifest(configDescriptor, layerDescriptors);
        List<Blob> blobs = new ArrayList<>(layers);
        blobs.add(config);
        List<RegistryClient> clients = connect(blobHttp, target, settings.blobConcurrency());
        try (Meter meter = new Meter(results, target, "push " + mode + " (" + settings.layers() + " x "
                + settings.layerBytes() / (1 << 20) + " MiB, " + settings.blobConcurrency() + " at a time)")) {
            long start = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            parallel(clients.size(), worker -> {
                RegistryClient client = clients.get(worker);
                for (int i; (i = next.getAndIncrement()) < blobs.size(); ) {
                    Blob blob = blobs.get(i);
                    if (chunked) {
                        client.pushChunked(repository, blob.body(), blob.digest(), settings.chunkBytes());
                    } else {
                        client.pushMonolithic(repository, blob.body(), blob.digest());
                    }
                }
            });
            clients.get(0).putManifest(repository, "r" + round, manifest);
            double seconds = (System.nanoTime() - start) / 1e9;
            meter.metric("MB/s", "MB/s", settings.imageBytes() / 1e6 / seconds);
            meter.bytes(settings.imageBytes());
        } finally {
            close(clients);
        }
        pushed.put(target.label() + "/" + round, new Image(repository, "r" + round, configDescriptor, layerDescriptors));
        if (discard != null && target.isGenerator()) {
            for (Blob blob : blobs) {
                discard.serve(blob.digest(), blob.bytes());
            }
        }
    }

    /**
     * Pulls the image pushed last in this round, pullPasses times (a pass of 512 MiB takes well under a second
     * here, too short to measure alone): manifest, then config and layers, blobConcurrency requests at a time over
     * all passes, as a client with a download limit pulls several images.
     */
    void pull(Target target, int round, boolean verify) throws Exception {
        Image image = pushed.get(target.label() + "/" + round);
        if (image == null) {
            throw new BenchException("nothing was pushed to " + target + " in round " + round);
        }
        List<Descriptor> blobs = new ArrayList<>(image.layers());
        blobs.add(0, image.config());
        List<RegistryClient> clients = connect(blobHttp, target, settings.blobConcurrency(), true);
        try (Meter meter = new Meter(results, target, "pull " + (verify ? "verifying digests" : "without verifying")
                + " (" + settings.blobConcurrency() + " blobs at a time)")) {
            long start = System.nanoTime();
            // One queue for all passes: each pass is its manifest, then its blobs; the workers take the next request
            // as they finish one, so the phase has one tail (as one pull has), not one per pass.
            int perPass = 1 + blobs.size();
            int requests = settings.pullPasses() * perPass;
            AtomicInteger next = new AtomicInteger();
            parallel(clients.size(), worker -> {
                for (int i; (i = next.getAndIncrement()) < requests; ) {
                    int k = i % perPass;
                    if (k == 0) {
                        byte[] manifest = clients.get(worker).getManifest(image.repository(), image.tag());
                        if (verify && !target.isGenerator()) {
                            checkManifest(manifest, image);
                        }
                    } else {
                        Descriptor d = blobs.get(k - 1);
                        clients.get(worker).pullBlob(image.repository(), d.digest(), d.size(), verify);
                    }
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            long bytes = settings.imageBytes() * settings.pullPasses();
            meter.metric("MB/s", "MB/s", bytes / 1e6 / seconds);
            meter.bytes(bytes);
        } finally {
            close(clients);
        }
    }

    private static void checkManifest(byte[] manifest, Image image) {
        String text = new String(manifest, java.nio.charset.StandardCharsets.UTF_8);
        for (Descriptor layer : image.layers()) {
            if (!text.contains(layer.digest())) {
                throw new BenchException("manifest of " + image.repository() + " lacks layer " + layer.digest());
            }
        }
    }

    // ---- manifests by tag

    private static final String MANIFEST_REPOSITORY = "bench/manifests";

    /** Pushes settings.manifestTags() small images, tagged t00, t01, ... (not measured). */
    void prepareManifests(Target target) throws Exception {
        List<RegistryClient> clients = connect(smallHttp, target, 1);
        try {
            for (int t = 0; t < settings.manifestTags(); t++) {
                pushSmallImage(clients.get(0), MANIFEST_REPOSITORY, tagName(t), null, null);
            }
        } finally {
            close(clients);
        }
    }

    private static String tagName(int t) {
        return String.format("t%02d", t);
    }

    /**
     * manifestConnections connections each alternate GET and HEAD of manifests by tag (round robin over the tags)
     * with the Accept header of docker, in closed loops on the event loops, for a warm-up and then a measured time.
     */
    void manifests(Target target, int round) throws Exception {
        List<RegistryClient> clients = connect(smallHttp, target, settings.manifestConnections());
        try {
            long now = System.nanoTime();
            long measureFrom = now + (long) (settings.manifestWarmupSeconds() * 1e9);
            long end = measureFrom + (long) (settings.manifestSeconds() * 1e9);
            CountDownLatch done = new CountDownLatch(clients.size());
            List<ClosedLoop> loops = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                loops.add(new ClosedLoop(clients.get(i).connection(), i, measureFrom, end, done));
            }
            loops.forEach(ClosedLoop::next);
            sleepUntil(measureFrom);
            long measuredFrom;
            try (Meter meter = new Meter(results, target, "manifests GET+HEAD by tag (" + clients.size() + " connections)")) {
                measuredFrom = System.nanoTime();
                if (!done.await((long) (settings.manifestSeconds() + 120), TimeUnit.SECONDS)) {
                    throw new BenchException("manifest loops did not stop");
                }
                double seconds = (Math.max(end, System.nanoTime()) - measuredFrom) / 1e9;
                for (ClosedLoop loop : loops) {
                    if (loop.failure.get() != null) {
                        throw new BenchException("manifest requests to " + target + " failed: " + loop.failure.get());
                    }
                }
                long[] latencies = merge(loops);
                meter.metric("requests/s", "req/s", latencies.length / seconds);
                meter.metric("p50 latency", "ms", percentile(latencies, 0.50) / 1e6);
                meter.metric("p99 latency", "ms", percentile(latencies, 0.99) / 1e6);
                meter.metric("p99.9 latency", "ms", percentile(latencies, 0.999) / 1e6);
                meter.operations(latencies.length, "requests");
            }
        } finally {
            close(clients);
        }
    }

    /** One connection's loop: the next request goes out when the last reply is complete, until the end time. */
    private final class ClosedLoop {
        private final Connection connection;
        private final long measureFrom;
        private final long end;
        private final CountDownLatch done;
        private final AtomicReference<String> failure = new AtomicReference<>();
        private long[] latencies = new long[1 << 14];
        private int count;
        private int sequence;

        ClosedLoop(Connection connection, int index, long measureFrom, long end, CountDownLatch done) {
            this.connection = connection;
            this.sequence = index;
            this.measureFrom = measureFrom;
            this.end = end;
            this.done = done;
        }

        void next() {
            if (System.nanoTime() >= end) {
                done.countDown();
                return;
            }
            int s = sequence++;
            String uri = "/v2/" + MANIFEST_REPOSITORY + "/manifests/" + tagName((s / 2) % settings.manifestTags());
            Request request = (s & 1) == 0
                    ? Request.get(uri, Sink.DISCARD, "Accept", RegistryClient.MANIFEST_ACCEPT)
                    : Request.head(uri, "Accept", RegistryClient.MANIFEST_ACCEPT);
            boolean get = (s & 1) == 0;
            connection.send(request).whenComplete((reply, error) -> {
                if (error != null) {
                    failure.set(error.toString());
                    done.countDown();
                    return;
                }
                if (reply.status() != 200 || (get && reply.bodyBytes() == 0)) {
                    failure.set("status " + reply.status() + " with " + reply.bodyBytes() + " bytes: " + reply.bodyText());
                    done.countDown();
                    return;
                }
                if (System.nanoTime() >= measureFrom) {
                    if (count == latencies.length) {
                        latencies = Arrays.copyOf(latencies, count * 2);
                    }
                    latencies[count++] = reply.nanos();
                }
                next();
            });
        }
    }

    private static long[] merge(List<ClosedLoop> loops) {
        int total = loops.stream().mapToInt(l -> l.count).sum();
        long[] all = new long[total];
        int at = 0;
        for (ClosedLoop loop : loops) {
            System.arraycopy(loop.latencies, 0, all, at, loop.count);
            at += loop.count;
        }
        Arrays.sort(all);
        return all;
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    // ---- many small images, then the catalog and every repository's tags

    /**
     * smallRepositories repositories of smallTags images each: every repository mounts a shared base layer, then
     * each image pushes a small layer and its config (POST + PUT) and its manifest. workers repositories at a time.
     */
    void smallImages(Target target, int round) throws Exception {
        String prefix = "bench/small-r" + round;
        String baseRepository = prefix + "/base";
        Blob base = Content.random(settings.baseLayerBytes(), random.split());
        List<RegistryClient> clients = connect(smallHttp, target, settings.workers());
        try {
            Descriptor baseDescriptor = new Descriptor(RegistryClient.OCI_LAYER, base.digest(), base.size());
            pushImage(clients.get(0), baseRepository, "base", base, baseDescriptor);
            int images = settings.smallRepositories() * settings.smallTags();
            try (Meter meter = new Meter(results, target, "small images (" + settings.smallRepositories() + " repos x "
                    + settings.smallTags() + " tags, " + settings.workers() + " at a time)")) {
                long start = System.nanoTime();
                AtomicInteger next = new AtomicInteger();
                parallel(clients.size(), worker -> {
                    RegistryClient client = clients.get(worker);
                    SplittableRandom r = new SplittableRandom(worker * 7919L + round + System.nanoTime());
                    for (int i; (i = next.getAndIncrement()) < settings.smallRepositories(); ) {
                        String repository = String.format("%s/app-%03d", prefix, i);
                        client.mount(repository, base.digest(), baseRepository);
                        for (int t = 0; t < settings.smallTags(); t++) {
                            pushSmallImage(client, repository, "v" + t, baseDescriptor, r);
                        }
                    }
                });
                double seconds = (System.nanoTime() - start) / 1e9;
                meter.metric("images/s", "images/s", images / seconds);
                meter.operations(images, "images");
            }
        } finally {
            close(clients);
        }
        List<String> catalog = catalogPaging(target, "catalog after small images (n=" + settings.catalogPageSize() + ")");
        if (!target.isGenerator()) {
            Set<String> names = new HashSet<>(catalog);
            for (int i = 0; i < settings.smallRepositories(); i++) {
                String repository = String.format("%s/app-%03d", prefix, i);
                if (!names.contains(repository)) {
                    throw new BenchException("catalog of " + target + " lacks " + repository);
                }
            }
        }
        tagLists(target, catalog, prefix);
    }

    /** Pushes an image of one layer (so that every repository of the catalog has a tag to list). */
    private static void pushImage(RegistryClient client, String repository, String tag, Blob layer, Descriptor layerDescriptor)
            throws IOException {
        Blob config = Content.of(Content.config(List.of(layerDescriptor), repository));
        client.pushMonolithic(repository, layer.body(), layer.digest());
        client.pushMonolithic(repository, config.body(), config.digest());
        client.putManifest(repository, tag, Content.manifest(
                new Descriptor(RegistryClient.OCI_CONFIG, config.digest(), config.size()), List.of(layerDescriptor)));
    }

    /** Pushes one small image (a fresh random layer, optionally over base, its config and manifest) under tag. */
    private void pushSmallImage(RegistryClient client, String repository, String tag, Descriptor base,
                                SplittableRandom r) throws IOException {
        Blob layer = Content.random(settings.smallLayerBytes(), r == null ? random.split() : r);
        List<Descriptor> layers = new ArrayList<>();
        if (base != null) {
            layers.add(base);
        }
        layers.add(new Descriptor(RegistryClient.OCI_LAYER, layer.digest(), layer.size()));
        Blob config = Content.of(Content.config(layers, repository + ":" + tag));
        client.pushMonolithic(repository, layer.body(), layer.digest());
        client.pushMonolithic(repository, config.body(), config.digest());
        client.putManifest(repository, tag, Content.manifest(
                new Descriptor(RegistryClient.OCI_CONFIG, config.digest(), config.size()), layers));
    }

    /** Pages through the whole catalog, again until listingMinSeconds have passed (at least once, at most 1000). */
    private List<String> catalogPaging(Target target, String phase) throws Exception {
        List<RegistryClient> clients = connect(smallHttp, target, 1);
        try (Meter meter = new Meter(results, target, phase)) {
            long start = System.nanoTime();
            int[] pages = {0};
            List<String> names;
            int passes = 0;
            do {
                names = clients.get(0).catalog(settings.catalogPageSize(), pages);
                passes++;
            } while (passes < 1000 && System.nanoTime() - start < settings.listingMinSeconds() * 1e9);
            double seconds = (System.nanoTime() - start) / 1e9;
            meter.metric("pages/s", "pages/s", pages[0] / seconds);
            meter.metric("time per page", "ms", seconds * 1000 / pages[0]);
            meter.metric("time for the whole catalog", "s", seconds / passes);
            meter.metric("repositories", "count", names.size());
            meter.operations(pages[0], "pages");
            return names;
        } finally {
            close(clients);
        }
    }

    /** Lists the tags of every repository in catalog, workers at a time, again until listingMinSeconds have passed. */
    private void tagLists(Target target, List<String> catalog, String checkPrefix) throws Exception {
        List<RegistryClient> clients = connect(smallHttp, target, Math.min(4, settings.workers()));
        try (Meter meter = new Meter(results, target, "tag list of every repository (" + clients.size() + " at a time)")) {
            long start = System.nanoTime();
            AtomicInteger lists = new AtomicInteger();
            int passes = 0;
            do {
                AtomicInteger next = new AtomicInteger();
                parallel(clients.size(), worker -> {
                    for (int i; (i = next.getAndIncrement()) < catalog.size(); ) {
                        String repository = catalog.get(i);
                        int tags = clients.get(worker).tags(repository);
                        lists.incrementAndGet();
                        if (!target.isGenerator() && repository.startsWith(checkPrefix + "/app-") && tags != settings.smallTags()) {
                            throw new BenchException(repository + " on " + target + " lists " + tags + " tags");
                        }
                    }
                });
                passes++;
            } while (passes < 1000 && System.nanoTime() - start < settings.listingMinSeconds() * 1e9);
            double seconds = (System.nanoTime() - start) / 1e9;
            meter.metric("tag lists/s", "lists/s", lists.get() / seconds);
            meter.operations(lists.get(), "lists");
        } finally {
            close(clients);
        }
    }

    // ---- a large catalog

    private static final String LARGE_PREFIX = "bench/large";

    /**
     * largeRepositories repositories with one image each (base layer and config mounted, manifest pushed), and one
     * repository with largeTags tags. Not part of the comparison's measured phases, but timed and reported.
     */
    void prepareLarge(Target target) throws Exception {
        String source = LARGE_PREFIX + "/source";
        Blob layer = Content.random(1024, random.split());
        Descriptor layerDescriptor = new Descriptor(RegistryClient.OCI_LAYER, layer.digest(), layer.size());
        Blob config = Content.of(Content.config(List.of(layerDescriptor), source));
        Descriptor configDescriptor = new Descriptor(RegistryClient.OCI_CONFIG, config.digest(), config.size());
        byte[] manifest = Content.manifest(configDescriptor, List.of(layerDescriptor));
        List<RegistryClient> clients = connect(smallHttp, target, settings.workers());
        try {
            pushImage(clients.get(0), source, "source", layer, layerDescriptor);
            long start = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            parallel(clients.size(), worker -> {
                RegistryClient client = clients.get(worker);
                for (int i; (i = next.getAndIncrement()) < settings.largeRepositories(); ) {
                    String repository = String.format("%s/repo-%05d", LARGE_PREFIX, i);
                    client.mount(repository, layer.digest(), source);
                    client.mount(repository, config.digest(), source);
                    client.putManifest(repository, "v1", manifest);
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            results.add(target.label(), "setup: repositories created (mount, mount, manifest PUT)", "repos/s",
                    settings.largeRepositories() / seconds);
            String tagged = LARGE_PREFIX + "/tags";
            clients.get(0).mount(tagged, layer.digest(), source);
            clients.get(0).mount(tagged, config.digest(), source);
            start = System.nanoTime();
            AtomicInteger nextTag = new AtomicInteger();
            parallel(clients.size(), worker -> {
                for (int t; (t = nextTag.getAndIncrement()) < settings.largeTags(); ) {
                    clients.get(worker).putManifest(tagged, String.format("t%05d", t), manifest);
                }
            });
            seconds = (System.nanoTime() - start) / 1e9;
            results.add(target.label(), "setup: tags created (manifest PUT)", "tags/s", settings.largeTags() / seconds);
        } finally {
            close(clients);
        }
    }

    void largeCatalog(Target target, int round) throws Exception {
        List<String> names = catalogPaging(target, "large catalog (n=" + settings.catalogPageSize() + ")");
        if (names.size() < settings.largeRepositories()) {
            throw new BenchException("catalog of " + target + " has " + names.size() + " repositories, expected at least "
                    + settings.largeRepositories());
        }
        List<RegistryClient> clients = connect(smallHttp, target, 1);
        try (Meter meter = new Meter(results, target, "tag list of a repository with " + settings.largeTags() + " tags")) {
            long start = System.nanoTime();
            int lists = 0;
            do {
                int tags = clients.get(0).tags(LARGE_PREFIX + "/tags");
                if (tags != settings.largeTags()) {
                    throw new BenchException(target + " lists " + tags + " tags, expected " + settings.largeTags());
                }
                lists++;
            } while (lists < 10_000 && System.nanoTime() - start < settings.listingMinSeconds() * 1e9);
            double seconds = (System.nanoTime() - start) / 1e9;
            meter.metric("tag lists/s", "lists/s", lists / seconds);
            meter.operations(lists, "lists");
        } finally {
            close(clients);
        }
    }

    // ---- plumbing

    @FunctionalInterface
    interface WorkerTask {
        void run(int worker) throws Exception;
    }

    /** Runs task on n platform threads (worker 0..n-1) and waits for all; the first failure fails the phase. */
    static void parallel(int n, WorkerTask task) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int worker = i;
                futures.add(threads.submit(() -> {
                    task.run(worker);
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_TIMEOUT_SECONDS);
            for (Future<?> f : futures) {
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Exception ex) {
                        throw ex;
                    }
                    throw e;
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<RegistryClient> connect(Http http, Target target, int n) throws Exception {
        return connect(http, target, n, false);
    }

    /**
     * n clients of target on http, each with a BlobReader (a blocking connection of its own) for its blob GETs when
     * blobReaders; if one cannot connect, those already connected are closed.
     */
    private static List<RegistryClient> connect(Http http, Target target, int n, boolean blobReaders) throws Exception {
        List<RegistryClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Connection connection = http.connect("127.0.0.1", target.port(), target.auth());
                try {
                    clients.add(new RegistryClient(connection,
                            blobReaders ? new BlobReader("127.0.0.1", target.port(), target.auth()) : null));
                } catch (IOException e) {
                    connection.close();
                    throw e;
                }
            }
        } catch (Exception e) {
            close(clients);
            throw e;
        }
        return clients;
    }

    private static void close(List<RegistryClient> clients) {
        clients.forEach(RegistryClient::close);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
