package io.berth.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.scaleout.SharedStores;
import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import io.berth.testing.RegistryApiClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /metrics of a real Berth: exact counts of a push and pull, the stores' timings, access, the listener, the keys. */
class MetricsTest {
    static final String REQUESTS = "berth_http_requests_seconds_count";

    @Test
    void aPushAndPullAreCountedByRouteMethodAndStatusWithTheirBytes() {
        try (BerthServer server = BerthServer.start()) {
            RegistryApiClient client = new RegistryApiClient(server.hostPort());
            byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
            byte[] layer = new byte[100_000];
            new java.util.Random(7).nextBytes(layer);
            client.pushImage("metrics/app", "v1", List.of(config, layer)).expect(201);
            byte[] manifest = client.manifest("metrics/app", "v1").expect(200).body();
            client.pullVerified("metrics/app", "v1");
            client.send("PATCH", "/v2/", new byte[0]).expect(405); // no route: the method is wrong

            Scrape scrape = Scrape.parse(client.get("/metrics").expect(200).text());

            assertThat(scrape.sum(REQUESTS, "route", "manifest", "method", "PUT", "status", "201")).isEqualTo(1);
            assertThat(scrape.sum(REQUESTS, "route", "upload-start", "method", "POST", "status", "202")).isEqualTo(2);
            assertThat(scrape.sum(REQUESTS, "route", "upload", "method", "PUT", "status", "201")).isEqualTo(2);
            assertThat(scrape.sum(REQUESTS, "route", "blob", "method", "HEAD", "status", "404")).isEqualTo(2);
            assertThat(scrape.sum(REQUESTS, "route", "manifest", "method", "GET", "status", "200")).isEqualTo(2);
            assertThat(scrape.sum(REQUESTS, "route", "blob", "method", "GET", "status", "200")).isEqualTo(2);
            assertThat(scrape.sum(REQUESTS, "route", "unrouted", "method", "PATCH", "status", "405")).isEqualTo(1);
            assertThat(scrape.sum("berth_http_received_bytes_total", "route", "upload"))
                    .isEqualTo(config.length + layer.length);
            assertThat(scrape.sum("berth_http_received_bytes_total", "route", "manifest")).isEqualTo(manifest.length);
            assertThat(scrape.sum("berth_http_sent_bytes_total", "route", "blob", "method", "GET"))
                    .isEqualTo(config.length + layer.length);
            assertThat(scrape.sum("berth_http_sent_bytes_total", "route", "manifest", "method", "GET"))
                    .isEqualTo(2 * manifest.length);
            // The scrape itself is in flight while it is taken, nothing else.
            assertThat(scrape.sum("berth_http_requests_in_flight")).isEqualTo(1);
            assertThat(scrape.sum("berth_http_requests_seconds_bucket", "route", "manifest", "method", "PUT",
                    "le", "+Inf")).isEqualTo(1);
            // The stores, timed at their interfaces, by operation and backend.
            assertThat(scrape.sum("berth_blob_store_operations_seconds_count", "backend", "filesystem")).isPositive();
            assertThat(scrape.sum("berth_metadata_store_operations_seconds_count", "operation", "putManifest",
                    "backend", "sqlite")).isEqualTo(1);
            assertThat(scrape.sum("berth_manifest_cache_requests_total")).isPositive();
            assertThat(scrape.has("jvm_memory_used_bytes")).isTrue();
            assertThat(scrape.has("process_cpu_usage")).isTrue();
            // Every series the Grafana dashboard queries is in a real scrape.
            assertThat(dashboardMetrics()).isNotEmpty().allSatisfy(name -> assertThat(scrape.has(name)).as(name).isTrue());
            // No repository name or digest in any label.
            for (Scrape.Sample s : scrape.samples()) {
                assertThat(s.labels().values()).noneMatch(v -> v.contains("metrics/app") || v.contains("sha256:"));
            }
        }
    }

    /** The metric names in the expressions of deploy/grafana/berth-dashboard.json (panels and variables). */
    static Set<String> dashboardMetrics() {
        JsonNode dashboard;
        try {
            dashboard = new ObjectMapper().readTree(Path.of("deploy/grafana/berth-dashboard.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> names = new TreeSet<>();
        Pattern metric = Pattern.compile("\\b((?:berth|jvm|process|system)_[a-z0-9_]+)");
        for (JsonNode expression : dashboard.findValues("expr")) {
            metric.matcher(expression.asText()).results().forEach(m -> names.add(m.group(1)));
        }
        for (JsonNode definition : dashboard.findValues("definition")) {
            metric.matcher(definition.asText()).results().forEach(m -> names.add(m.group(1)));
        }
        return names;
    }

    @Test
    void withAccessControlOnMetricsNeedALoginUnlessAnonymousIsAllowed() {
        try (BerthServer server = BerthServer.with().auth("metrics-admin-pw").start()) {
            RegistryApiClient anonymous = new RegistryApiClient(server.hostPort());
            assertThat(anonymous.get("/metrics").status()).isEqualTo(401);
            assertThat(server.admin().get("/metrics").expect(200).text()).contains(REQUESTS);
        }
        try (BerthServer server = BerthServer.with().auth("metrics-admin-pw")
                .config("metrics:\n  anonymous: true").start()) {
            assertThat(new RegistryApiClient(server.hostPort()).get("/metrics").expect(200).text()).contains(REQUESTS);
        }
    }

    @Test
    void onS3AndPostgresqlTheStoresAreTimedUnderTheirBackends() {
        try (SharedStores stores = SharedStores.start()) {
            Path data = BerthServer.newDataDir();
            Path config = stores.writeConfig(data.resolveSibling(data.getFileName() + "-s3pg.yaml"), "");
            try (BerthServer server = BerthServer.start(data, List.of("--config", config.toString()),
                    SharedStores.NODE_ENV)) {
                RegistryApiClient client = new RegistryApiClient(server.hostPort());
                byte[] layer = new byte[50_000];
                new java.util.Random(3).nextBytes(layer);
                client.pushImage("metrics/s3pg", "v1", List.of("{}".getBytes(StandardCharsets.UTF_8), layer))
                        .expect(201);
                client.pullVerified("metrics/s3pg", "v1");
                Scrape scrape = Scrape.parse(client.get("/metrics").expect(200).text());
                assertThat(scrape.sum(REQUESTS, "route", "manifest", "method", "PUT", "status", "201")).isEqualTo(1);
                assertThat(scrape.sum("berth_http_received_bytes_total", "route", "upload")).isEqualTo(2 + layer.length);
                assertThat(scrape.sum("berth_blob_store_operations_seconds_count", "backend", "s3")).isPositive();
                assertThat(scrape.sum("berth_blob_store_operations_seconds_count", "backend", "filesystem")).isZero();
                assertThat(scrape.sum("berth_metadata_store_operations_seconds_count", "operation", "putManifest",
                        "backend", "postgresql")).isEqualTo(1);
                assertThat(scrape.sum("berth_metadata_store_operations_seconds_count", "backend", "sqlite")).isZero();
            }
        }
    }

    @Test
    void aClientThatLeavesMidUploadIsCounted499AndNoLongerInFlight() throws Exception {
        try (BerthServer server = BerthServer.start()) {
            RegistryApiClient client = new RegistryApiClient(server.hostPort());
            String location = client.post("/v2/metrics/left/blobs/uploads/", null).expect(202).location();
            String path = RegistryApiClient.pathAndQuery(location);
            String[] hostPort = server.hostPort().split(":");
            try (java.net.Socket socket = new java.net.Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
                socket.getOutputStream().write(("PATCH " + path + " HTTP/1.1\r\nHost: " + server.hostPort()
                        + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(new byte[4096]);
                socket.getOutputStream().flush();
                Thread.sleep(300);
            }
            Scrape scrape = null;
            for (int i = 0; i < 50; i++) {
                scrape = Scrape.parse(client.get("/metrics").expect(200).text());
                if (scrape.sum(REQUESTS, "route", "upload", "method", "PATCH", "status", "499") == 1) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(scrape.sum(REQUESTS, "route", "upload", "method", "PATCH", "status", "499")).isEqualTo(1);
            assertThat(scrape.sum("berth_http_requests_in_flight")).isEqualTo(1);
            assertThat(server.accessLog()).anyMatch(line -> line.contains("status=499"));
        }
    }

    @Test
    void garbageCollectionTokensAndFailedLoginsAreCounted() {
        try (BerthServer server = BerthServer.with().auth("metrics-admin-pw")
                .config("gc:\n  enabled: false\n  gracePeriod: 0s\nhistory:\n  window: 0s").start()) {
            RegistryApiClient admin = server.admin();
            byte[] orphan = new byte[12_345];
            new java.util.Random(5).nextBytes(orphan);
            admin.uploadBlob("metrics/gc", orphan); // referenced by no manifest: garbage at once with a 0s grace
            admin.send("POST", "/api/v1/gc", null).expect(200);
            RegistryApiClient anonymous = new RegistryApiClient(server.hostPort());
            anonymous.get("/auth/token?service=berth", "Authorization", RegistryApiClient.basic("admin", "wrong"))
                    .expect(401);
            anonymous.get("/auth/token?service=berth", "Authorization",
                    RegistryApiClient.basic("admin", "metrics-admin-pw")).expect(200);

            Scrape scrape = Scrape.parse(admin.get("/metrics").expect(200).text());
            assertThat(scrape.sum("berth_gc_runs_total")).isEqualTo(1);
            assertThat(scrape.sum("berth_gc_blobs_deleted_total")).isEqualTo(1);
            assertThat(scrape.sum("berth_gc_freed_bytes_total")).isEqualTo(orphan.length);
            assertThat(scrape.sum("berth_logins_failed_total")).isEqualTo(1);
            assertThat(scrape.sum("berth_tokens_issued_total"))
                    .isEqualTo(scrape.sum(REQUESTS, "route", "token", "status", "200")).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void disabledMetricsAnswer404() {
        try (BerthServer server = BerthServer.with().config("metrics:\n  enabled: false").start()) {
            RegistryApiClient client = new RegistryApiClient(server.hostPort());
            assertThat(client.get("/metrics").status()).isEqualTo(404);
            assertThat(server.logText()).doesNotContain("metrics on");
        }
    }

    @Test
    void metricsListenServesThemOnTheirOwnPortOnly() {
        int port = Ports.freePort();
        try (BerthServer server = BerthServer.with().config("metrics:\n  listen: 127.0.0.1:" + port).start()) {
            RegistryApiClient main = new RegistryApiClient(server.hostPort());
            main.get("/v2/").expect(200);
            assertThat(main.get("/metrics").status()).isEqualTo(404);
            Scrape scrape = Scrape.parse(new RegistryApiClient("127.0.0.1:" + port).get("/metrics").expect(200).text());
            // The main port's requests are counted; the metrics port's own are not.
            assertThat(scrape.sum(REQUESTS, "route", "base", "method", "GET", "status", "200")).isEqualTo(1);
            assertThat(scrape.sum(REQUESTS, "route", "metrics")).isZero();
        }
    }

    @Test
    void unknownKeysAndBadValuesAreRefused() {
        ConfigLoader loader = new ConfigLoader();
        assertThat(loader.load(null, Map.of(), Map.of()).metrics().enabled()).isTrue();
        assertThatThrownBy(() -> loader.load(null, Map.of("BERTH_METRICS_PORT", "9"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BERTH_METRICS_PORT");
        assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("metrics.listen", "nowhere")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("metrics.listen: invalid value 'nowhere' (use host:port, e.g. 127.0.0.1:9090)");
        assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("metrics.listen", "127.0.0.1:70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("metrics.listen");
        assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("metrics.enabled", "yes please")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("metrics.enabled");
        assertThat(loader.load(null, Map.of("BERTH_METRICS_LISTEN", "[::1]:9100"), Map.of()).metrics().listen())
                .isEqualTo("[::1]:9100");
    }
}
