package io.berth.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.RoundRobinProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real client across the fleet: skopeo pushes an OCI image through the round-robin proxy of three nodes on
 * PostgreSQL and S3 (so its requests land on every node), then pulls it from node 3 alone, byte-identical.
 */
@Tag("clients")
class SkopeoThreeNodeTest {

    /** Writes a one-layer OCI image layout to dir and returns its manifest digest. */
    private static Digest writeLayout(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        byte[] layer = new byte[6 * 1024 * 1024 + 123];
        new Random(11).nextBytes(layer);
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config)
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + Digest.sha256(layer) + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(layer, config, manifest)) {
            Files.write(dir.resolve("blobs/sha256/" + Digest.sha256(blob).hex()), blob);
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + Digest.sha256(manifest) + "\",\"size\":"
                + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}");
        return Digest.sha256(manifest);
    }

    private static String skopeo(Path authFile, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("skopeo"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("REGISTRY_AUTH_FILE", authFile.toString());
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("skopeo %s:\n%s", String.join(" ", args), out).isZero();
        return out;
    }

    @Test
    @Timeout(240)
    void skopeoPushesThroughTheProxyAndPullsFromOneNodeByteIdentical() throws Exception {
        Path work = Files.createTempDirectory("skopeo-fleet-");
        Path authFile = Files.writeString(work.resolve("auth.json"), "{\"auths\":{}}");
        Digest pushed = writeLayout(work.resolve("image"));
        try (SharedStores stores = SharedStores.start()) {
            Path config = stores.writeConfig(work.resolve("berth.yaml"), "gc: {enabled: false}\n");
            List<BerthServer> nodes = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    nodes.add(BerthServer.start(BerthServer.newDataDir(), List.of("--config", config.toString()), SharedStores.NODE_ENV));
                }
                try (RoundRobinProxy proxy = new RoundRobinProxy(nodes.stream()
                        .map(n -> Integer.parseInt(n.hostPort().substring(n.hostPort().lastIndexOf(':') + 1))).toList())) {
                    skopeo(authFile, "copy", "--dest-tls-verify=false", "oci:" + work.resolve("image") + ":v1",
                            "docker://" + proxy.hostPort() + "/fleet/app:v1");
                    skopeo(authFile, "copy", "--src-tls-verify=false", "docker://" + nodes.get(2).hostPort() + "/fleet/app:v1",
                            "oci:" + work.resolve("pulled") + ":v1");
                    // skopeo compresses the uncompressed layer on push, so the stored manifest is its own; node 1 must
                    // name the same manifest that node 3 served.
                    java.net.http.HttpResponse<byte[]> head = java.net.http.HttpClient.newHttpClient().send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + nodes.get(0).hostPort()
                                    + "/v2/fleet/app/manifests/v1")).header("Accept", "application/vnd.oci.image.manifest.v1+json").build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                    Digest stored = Digest.sha256(head.body());
                    assertThat(head.headers().firstValue("Docker-Content-Digest")).contains(stored.toString());
                    assertThat(Files.readString(work.resolve("pulled/index.json"))).contains(stored.toString());
                    byte[] manifest = Files.readAllBytes(work.resolve("pulled/blobs/sha256/" + stored.hex()));
                    assertThat(manifest).isEqualTo(head.body());
                    assertThat(pushed).isNotNull();
                    for (String d : new String(manifest, StandardCharsets.UTF_8).split("\"digest\":\"")) {
                        if (d.startsWith("sha256:")) {
                            Digest blob = Digest.parse(d.substring(0, 71));
                            assertThat(Digest.sha256(Files.readAllBytes(work.resolve("pulled/blobs/sha256/" + blob.hex()))))
                                    .isEqualTo(blob);
                        }
                    }
                }
            } finally {
                nodes.forEach(BerthServer::close);
            }
        }
    }
}
