package io.berth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.scaleout.SharedStores;
import io.berth.testing.BerthServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real clients follow the redirect of blob downloads to the bucket (storage.s3.redirect): one Berth node on a real S3
 * API server (S3Proxy) and PostgreSQL answers every blob GET with 307 to a presigned URL of S3Proxy. For each client
 * skopeo pushes a fresh image (a 6 MiB layer, so S3 assembled it from parts, and a small one); the client pulls it
 * and must end up with the pushed digest, and Berth's access log must show that, during that pull, Berth answered a
 * GET of the config and of every layer with 307 and streamed no blob itself: the bytes the client verified came
 * from S3.
 */
class S3RedirectClientTest extends RealClientTest {
    /** Incompressible bytes in the first layer: more than one S3 part (SharedStores.PART_SIZE is 5 MiB). */
    private static final int LAYER_NOISE = 6 * 1024 * 1024;
    /** "... access request_id=... method=GET path=\"/v2/repo/blobs/sha256:...\" status=307 ..." */
    private static final Pattern BLOB_GET = Pattern.compile(
            " access request_id=\\S+ method=GET path=\"/v2/(.+)/blobs/(sha256:[0-9a-f]{64})\" status=(\\d{3}) ");
    /** "Digest: sha256:...", printed by docker pull. */
    private static final Pattern DOCKER_PULLED_DIGEST = Pattern.compile("(?m)^Digest: (sha256:[0-9a-f]{64})$");
    /** The access log is written by a background thread; its lines for a finished pull appear within this. */
    private static final Duration ACCESS_LOG_WAIT = Duration.ofSeconds(10);

    private static SharedStores stores;
    private static BerthServer berth;

    @BeforeAll
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    static void startBerthOnS3WithRedirects(ClientLab lab) {
        stores = SharedStores.start();
        Path data = BerthServer.newDataDir();
        Path config = stores.writeConfig(data.resolveSibling("berth.yaml"), "gc: {enabled: false}\n");
        Map<String, String> env = new HashMap<>(SharedStores.NODE_ENV);
        env.put("BERTH_STORAGE_S3_REDIRECT", "true");
        berth = BerthServer.start(data, List.of("--config", config.toString()), env);
        lab.addInsecureRegistry(berth.hostPort());
    }

    @AfterAll
    static void stopBerthAndStores() {
        try {
            if (berth != null) {
                berth.close();
            }
        } finally {
            if (stores != null) {
                stores.close();
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void dockerPullFollowsTheRedirectForEveryBlob() {
        Pushed image = push("docker");
        int from = accessLog().size();

        CommandResult pull = lab.docker("pull", image.repo().tag("v1"));

        Matcher digest = DOCKER_PULLED_DIGEST.matcher(pull.stdout());
        assertThat(digest.find()).as(pull.describe()).isTrue();
        assertThat(digest.group(1)).isEqualTo(image.manifest().digest());
        assertThat(lab.docker("image", "inspect", "--format", "{{.Id}}", image.repo().tag("v1")).lastLine())
                .as("docker's image id, the sha256 of the config it fetched").isEqualTo(image.manifest().configDigest());
        assertEveryBlobRedirected("docker", image, from, pull);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void podmanPullFollowsTheRedirectForEveryBlob() {
        Pushed image = push("podman");
        int from = accessLog().size();

        CommandResult pull = lab.podman("pull", image.repo().tag("v1"));

        assertThat("sha256:" + pull.lastLine()).as("podman's image id, the sha256 of the config it fetched")
                .isEqualTo(image.manifest().configDigest());
        assertThat(lab.podman("image", "inspect", "--format", "{{.Digest}}", image.repo().tag("v1")).lastLine())
                .isEqualTo(image.manifest().digest());
        assertEveryBlobRedirected("podman", image, from, pull);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void skopeoCopyToAnOciLayoutFollowsTheRedirectForEveryBlob() {
        Pushed image = push("skopeo");
        Path pulled = lab.newDirectory("redirect-skopeo-pulled");
        int from = accessLog().size();

        CommandResult copy = lab.skopeo("copy", "--src-tls-verify=false", "docker://" + image.repo().tag("v1"),
                "oci:" + pulled + ":v1");

        LocalManifest manifest = lab.readLayout(pulled, "v1");
        assertThat(manifest.digest()).isEqualTo(image.manifest().digest());
        assertThat(manifest.bytes()).isEqualTo(image.manifest().bytes());
        for (String blob : image.blobs()) {
            assertThat(Digests.sha256(pulled.resolve("blobs/sha256").resolve(Digests.hex(blob))))
                    .as("sha256 of the pulled blob %s", blob).isEqualTo(blob);
        }
        assertEveryBlobRedirected("skopeo", image, from, copy);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void containerdPullFollowsTheRedirectForEveryBlob() {
        Pushed image = push("ctr");
        int from = accessLog().size();

        CommandResult pull = lab.ctr("images", "pull", "--plain-http", "--snapshotter", "native", image.repo().tag("v1"));

        CommandResult list = lab.ctr("images", "ls", "name==" + image.repo().tag("v1"));
        List<String[]> rows = list.stdout().lines().skip(1).map(line -> line.strip().split("\\s+")).toList();
        assertThat(rows).as(list.describe()).hasSize(1);
        assertThat(rows.getFirst()[2]).as("DIGEST of ctr images ls").isEqualTo(image.manifest().digest());
        assertThat(lab.ctr("content", "get", image.manifest().digest()).stdoutBytes()).isEqualTo(image.manifest().bytes());
        for (String blob : image.blobs()) {
            assertThat(Digests.sha256(lab.ctr("content", "get", blob).stdoutBytes()))
                    .as("sha256 of the blob containerd holds as %s", blob).isEqualTo(blob);
        }
        assertEveryBlobRedirected("ctr", image, from, pull);
    }

    /** An image pushed for one client only, so that no other client's pull left any of its blobs behind. */
    private record Pushed(RemoteRepository repo, LocalManifest manifest) {
        /** The blobs a pull fetches with GET /v2/.../blobs/: the config, then the layers. */
        List<String> blobs() {
            List<String> blobs = new ArrayList<>();
            blobs.add(manifest.configDigest());
            blobs.addAll(manifest.layerDigests());
            return blobs;
        }
    }

    /**
     * Pushes a new image with skopeo (OCI manifest, unchanged bytes), then checks by hand what a client will get for
     * its config: 307 to a presigned URL on the S3 server, carrying the blob's digest.
     */
    private Pushed push(String client) {
        TestImage image = lab.newImage("redirect-" + client, LAYER_NOISE);
        RemoteRepository repo = new RemoteRepository(berth, "clients/redirect/" + client);
        Path digestFile = lab.newFile("digest");
        lab.skopeo("copy", "--dest-tls-verify=false", "--format", "oci", "--digestfile", digestFile.toString(),
                image.amd64().ociReference(), "docker://" + repo.tag("v1"));
        assertThat(ClientLab.readText(digestFile)).isEqualTo(image.amd64().digest());
        assertThat(repo.assertServes("v1", image.amd64().digest()).bytes()).isEqualTo(image.amd64().bytes());

        String config = image.amd64().configDigest();
        HttpResponse<Void> get = getWithoutFollowing("/v2/" + repo.name() + "/blobs/" + config);
        assertThat(get.statusCode()).as("GET of the config blob").isEqualTo(307);
        assertThat(get.headers().firstValue("Docker-Content-Digest")).contains(config);
        URI location = URI.create(get.headers().firstValue("Location").orElseThrow());
        URI s3 = stores.s3Endpoint();
        assertThat(location.getScheme() + "://" + location.getAuthority()).as("Location %s", location)
                .isEqualTo(s3.getScheme() + "://" + s3.getAuthority());
        assertThat(location.getRawQuery()).as("Location %s", location).contains("X-Amz-Signature=");
        return new Pushed(repo, image.amd64());
    }

    /**
     * Asserts that, from access-log line from on, Berth answered a GET of every blob of the image with 307 and never
     * served one of its blobs itself (any other status of a blob GET in that repository fails), and prints the count.
     */
    private void assertEveryBlobRedirected(String client, Pushed image, int from, CommandResult pull) {
        Map<String, List<Integer>> statuses = blobGetStatuses(image, from);
        for (String blob : image.blobs()) {
            assertThat(statuses.get(blob)).as("statuses of %s's GETs of blob %s (all blob GETs: %s)", client, blob, statuses)
                    .isNotEmpty().containsOnly(307);
        }
        assertThat(statuses.values().stream().flatMap(List::stream)).as("%s's blob GETs: %s", client, statuses)
                .containsOnly(307);
        long redirects = statuses.values().stream().mapToLong(List::size).sum();
        System.out.printf("%s pulled %s in %d ms: %d blob GETs, every one answered 307 (%s)%n", client,
                image.repo().tag("v1"), pull.took().toMillis(), redirects, statuses);
    }

    /**
     * Statuses of the blob GETs of the image's repository from access-log line from on, by digest; waits (bounded)
     * until every blob of the image appears, since access lines are written by a background thread.
     */
    private Map<String, List<Integer>> blobGetStatuses(Pushed image, int from) {
        long deadline = System.nanoTime() + ACCESS_LOG_WAIT.toNanos();
        while (true) {
            Map<String, List<Integer>> statuses = new LinkedHashMap<>();
            List<String> lines = accessLog();
            for (String line : lines.subList(Math.min(from, lines.size()), lines.size())) {
                Matcher get = BLOB_GET.matcher(line);
                if (get.find() && get.group(1).equals(image.repo().name())) {
                    statuses.computeIfAbsent(get.group(2), digest -> new ArrayList<>()).add(Integer.parseInt(get.group(3)));
                }
            }
            if (statuses.keySet().containsAll(image.blobs()) || System.nanoTime() > deadline) {
                return statuses;
            }
            sleep(100);
        }
    }

    private static List<String> accessLog() {
        return berth.process().logText().lines().filter(line -> line.contains(" access request_id=")).toList();
    }

    private static HttpResponse<Void> getWithoutFollowing(String path) {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + berth.hostPort() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
