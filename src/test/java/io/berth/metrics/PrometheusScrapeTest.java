package io.berth.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's package) scrapes a real Berth while skopeo pushes and pulls an image; PromQL over
 * Prometheus's HTTP API returns the requests and bytes of that push and pull.
 */
@Tag("clients")
class PrometheusScrapeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void promqlReturnsTheRequestsAndBytesOfASkopeoPushAndPull() throws Exception {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] layer = gzip(200_000);
        Path layout = ociLayout(dir.resolve("image"), config, layer);
        long blobBytes = config.length + layer.length;
        try (BerthServer berth = BerthServer.start()) {
            int port = Ports.freePort();
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: berth
                        metrics_path: /metrics
                        static_configs:
                          - targets: ["%s"]
                    """.formatted(berth.hostPort()));
            Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + port;
                skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":v1",
                        "docker://" + berth.hostPort() + "/metrics/prom:v1");
                skopeo("copy", "--src-tls-verify=false", "docker://" + berth.hostPort() + "/metrics/prom:v1",
                        "oci:" + dir.resolve("pulled") + ":v1");

                assertThat(awaitValue(api, "sum(berth_http_requests_seconds_count{route=\"manifest\",method=\"PUT\","
                        + "status=\"201\"})", 1)).isEqualTo(1);
                assertThat(awaitValue(api, "sum(berth_http_received_bytes_total{route=\"upload\"})", blobBytes))
                        .isEqualTo(blobBytes);
                assertThat(awaitValue(api, "sum(berth_http_sent_bytes_total{route=\"blob\",method=\"GET\"})",
                        blobBytes)).isEqualTo(blobBytes);
                assertThat(awaitValue(api, "sum(berth_http_requests_seconds_count{route=\"blob\",method=\"GET\","
                        + "status=\"200\"})", 2)).isEqualTo(2);
                assertThat(value(api, "up{job=\"berth\"}")).isEqualTo(1);
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    /** The query's value once it equals expected (Prometheus scrapes every second), else the last one seen. */
    private static double awaitValue(String api, String query, double expected) throws Exception {
        double last = Double.NaN;
        for (int i = 0; i < 60; i++) {
            last = value(api, query);
            if (last == expected) {
                return last;
            }
            Thread.sleep(500);
        }
        return last;
    }

    /** The one value of an instant query, NaN while it has none (not yet scraped, or Prometheus not up). */
    static double value(String api, String query) throws Exception {
        URI uri = URI.create(api + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return Double.NaN;
        }
        JsonNode result = JSON.readTree(response.body()).path("data").path("result");
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private static void skopeo(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "skopeo";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("skopeo %s: %s", String.join(" ", args), output).isZero();
    }

    private static byte[] gzip(int size) throws IOException {
        byte[] raw = new byte[size];
        new Random(18).nextBytes(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** An OCI image layout holding one image of config and layer, tagged v1. */
    static Path ociLayout(Path root, byte[] config, byte[] layer) throws Exception {
        Path blobs = Files.createDirectories(root.resolve("blobs/sha256"));
        String configDigest = write(blobs, config);
        String layerDigest = write(blobs, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":"
                + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = write(blobs, manifest);
        Files.writeString(root.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(root.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":"
                + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}");
        return root;
    }

    private static String write(Path blobs, byte[] content) throws Exception {
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        Files.write(blobs.resolve(hex), content);
        return "sha256:" + hex;
    }
}
