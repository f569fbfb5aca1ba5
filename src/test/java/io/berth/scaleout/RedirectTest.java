package io.berth.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** With storage.s3.redirect, blob GETs answer 307 to a presigned URL of the object store that serves the exact bytes. */
class RedirectTest {
    @Test
    @Timeout(120)
    void blobGetRedirectsToAPresignedUrlThatServesTheBlobWhileHeadAnswersDirectly() throws Exception {
        try (SharedStores stores = SharedStores.start()) {
            Path data = BerthServer.newDataDir();
            Path config = stores.writeConfig(data.resolveSibling("redirect.yaml"), "gc: {enabled: false}\n");
            Files.writeString(config, Files.readString(config).replace("    pathStyle: true\n",
                    "    pathStyle: true\n    redirect: true\n"));
            try (BerthServer node = BerthServer.start(data, List.of("--config", config.toString()), SharedStores.NODE_ENV)) {
                HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                byte[] blob = new byte[300_000];
                new Random(3).nextBytes(blob);
                Digest digest = Digest.sha256(blob);
                String base = "http://" + node.hostPort();
                HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/redirect/app/blobs/uploads/?digest=" + digest))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

                HttpResponse<Void> get = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/redirect/app/blobs/" + digest)).build(),
                        HttpResponse.BodyHandlers.discarding());
                assertThat(get.statusCode()).isEqualTo(307);
                String location = get.headers().firstValue("Location").orElseThrow();
                assertThat(location).contains("X-Amz-Signature");
                HttpResponse<byte[]> fetched = http.send(HttpRequest.newBuilder(URI.create(location)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(fetched.statusCode()).isEqualTo(200);
                assertThat(Digest.sha256(fetched.body())).isEqualTo(digest);

                HttpResponse<Void> head = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/redirect/app/blobs/" + digest))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
                assertThat(head.statusCode()).isEqualTo(200);
                assertThat(head.headers().firstValue("Content-Length")).contains(String.valueOf(blob.length));
                HttpResponse<Void> elsewhere = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/other/app/blobs/" + digest)).build(),
                        HttpResponse.BodyHandlers.discarding());
                assertThat(elsewhere.statusCode()).isEqualTo(404);
            }
        }
    }
}
