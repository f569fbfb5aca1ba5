package io.berth.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Realistic request content for the JMH benchmarks. */
final class Fixtures {
    private Fixtures() {}

    static String randomDigest(SplittableRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return "sha256:" + HexFormat.of().formatHex(bytes);
    }

    /** An OCI image manifest with layers layers, as docker or buildkit push it. */
    static byte[] imageManifest(int layers) {
        SplittableRandom random = new SplittableRandom(layers);
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + randomDigest(random) + "\",\"size\":1469},\"layers\":[");
        for (int i = 0; i < layers; i++) {
            json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(randomDigest(random)).append("\",\"size\":").append(1000 + random.nextInt(50_000_000)).append('}');
        }
        json.append("],\"annotations\":{\"org.opencontainers.image.created\":\"2025-01-01T00:00:00Z\"}}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An OCI image index of children platform manifests. */
    static byte[] index(int children) {
        SplittableRandom random = new SplittableRandom(children + 1000);
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
        String[] arch = {"amd64", "arm64", "arm", "s390x", "ppc64le", "riscv64", "386", "mips64le"};
        for (int i = 0; i < children; i++) {
            json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"")
                    .append(randomDigest(random)).append("\",\"size\":").append(500 + random.nextInt(2000))
                    .append(",\"platform\":{\"architecture\":\"").append(arch[i % arch.length]).append("\",\"os\":\"linux\"}}");
        }
        json.append("]}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }
}
