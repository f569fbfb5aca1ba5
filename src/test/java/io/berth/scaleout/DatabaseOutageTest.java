package io.berth.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.PostgresServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One Berth node on a real PostgreSQL that goes away and comes back: while the database is down, readiness says so
 * within 2 s and registry requests fail fast with 503 and Retry-After instead of holding the client for the pool's
 * 30 s; once it is back on the same port and data, the node serves what it held before without a restart.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DatabaseOutageTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Timed(int status, String body, HttpResponse<String> raw, long millis) {}

    private static Timed timed(String hostPort, String method, String path) {
        long start = System.nanoTime();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                    .timeout(Duration.ofSeconds(40)).method(method, HttpRequest.BodyPublishers.noBody())
                    .header("Accept", Images.ACCEPT_ALL).build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Timed(response.statusCode(), response.body(), response, (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed after " + (System.nanoTime() - start) / 1_000_000 + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void whileThePostgresServerIsDownReadinessFailsWithinTwoSecondsAndRequestsGet503WithRetryAfterThenRecover()
            throws Exception {
        try (PostgresServer postgres = PostgresServer.start()) {
            String database = postgres.createDatabase();
            Path data = BerthServer.newDataDir();
            Path config = Files.createDirectories(data.getParent()).resolve("berth.yaml");
            Files.writeString(config, """
                    metadata:
                      url: "%s"
                      user: %s
                      poolSize: 4
                    gc:
                      enabled: false
                    """.formatted(postgres.jdbcUrl(database), PostgresServer.USER));
            try (BerthServer server = BerthServer.start(data, List.of("--config", config.toString()))) {
                OciClient client = new OciClient(server.hostPort());
                Images.Image image = Images.image("outage/app", "v1", Images.OCI_MANIFEST, List.of(), 16, 64 * 1024);
                image.push(client, 0);

                postgres.stop();
                for (int i = 0; i < 3; i++) {
                    Timed ready = timed(server.hostPort(), "GET", "/readyz");
                    assertThat(ready.status()).as("readiness with the database down").isNotEqualTo(200);
                    assertThat(ready.millis()).as("readiness answered in ms").isLessThan(2000);
                }
                String blob = "/v2/outage/app/blobs/" + Digest.sha256(image.config());
                for (String[] request : List.of(new String[] {"GET", "/v2/outage/app/manifests/v1"},
                        new String[] {"HEAD", blob}, new String[] {"POST", "/v2/outage/app/blobs/uploads/"},
                        new String[] {"GET", "/v2/_catalog"})) {
                    Timed answer = timed(server.hostPort(), request[0], request[1]);
                    assertThat(answer.status()).as("%s %s with the database down: %s", request[0], request[1], answer.body())
                            .isEqualTo(503);
                    assertThat(answer.millis()).as("%s %s answered in ms", request[0], request[1]).isLessThan(3000);
                    assertThat(answer.raw().headers().firstValue("Retry-After")).as("Retry-After").isPresent();
                    if (!request[0].equals("HEAD")) {
                        assertThat(answer.body()).contains("\"code\":\"UNAVAILABLE\"");
                    }
                }

                postgres.restart();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                int status = 0;
                while (System.nanoTime() < deadline && (status = timed(server.hostPort(), "GET", "/readyz").status()) != 200) {
                    Thread.sleep(200);
                }
                assertThat(status).as("readiness after the database came back").isEqualTo(200);
                image.verify(client);
                Images.image("outage/app", "v2", Images.OCI_MANIFEST, List.of(), 17, 64 * 1024).push(client, 0);
                assertThat(client.retries()).as("requests retried after the database came back").isZero();
            }
        }
    }
}
