package io.berth.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/** Fresh incompressible content: random blobs (made before a timed step starts), image configs and manifests. */
final class Content {
    private static final SecureRandom SEEDS = new SecureRandom();

    private Content() {}

    /** A blob held in memory, with its digest. */
    record Blob(ByteBuf bytes, String digest) {
        long size() {
            return bytes.readableBytes();
        }

        /** A new reference to the whole blob, for one request body (the request releases it). */
        ByteBuf body() {
            return bytes.retainedDuplicate();
        }
    }

    record Descriptor(String mediaType, String digest, long size) {}

    /** An image as pushed: repository, tag, config and layers. */
    record Image(String repository, String tag, Descriptor config, List<Descriptor> layers) {}

    /** A direct buffer of size bytes, to be refilled with {@link #refill}; held for the whole run. */
    static ByteBuffer allocate(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Fills buffer (position 0 to capacity) with fresh random bytes and returns it as a blob with its digest. */
    static Blob refill(ByteBuffer buffer) {
        fillRandom(buffer, new SplittableRandom(SEEDS.nextLong()));
        MessageDigest sha = Http.newSha256();
        sha.update(buffer.duplicate().clear());
        return new Blob(Unpooled.wrappedBuffer(buffer.duplicate().clear()), "sha256:" + HexFormat.of().formatHex(sha.digest()));
    }

    /** A small random blob on the heap. */
    static Blob random(int size, SplittableRandom random) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return of(bytes);
    }

    static Blob of(byte[] bytes) {
        return new Blob(Unpooled.wrappedBuffer(bytes), sha256(bytes));
    }

    static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(Http.newSha256().digest(bytes));
    }

    private static void fillRandom(ByteBuffer buffer, SplittableRandom random) {
        ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear();
        while (b.remaining() >= 8) {
            b.putLong(random.nextLong());
        }
        while (b.hasRemaining()) {
            b.put((byte) random.nextInt());
        }
    }

    /** An image config naming the layers; label makes it unique. */
    static byte[] config(List<Descriptor> layers, String label) {
        StringBuilder json = new StringBuilder(256 + layers.size() * 80);
        json.append("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"bench\":")
                .append(Json.quote(label)).append("}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
        for (int i = 0; i < layers.size(); i++) {
            json.append(i == 0 ? "" : ",").append(Json.quote(layers.get(i).digest()));
        }
        json.append("]}}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] manifest(Descriptor config, List<Descriptor> layers) {
        StringBuilder json = new StringBuilder(256 + layers.size() * 160);
        json.append("{\"schemaVersion\":2,\"mediaType\":\"").append(RegistryClient.OCI_MANIFEST).append("\",\"config\":");
        descriptor(json, config);
        json.append(",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            json.append(i == 0 ? "" : ",");
            descriptor(json, layers.get(i));
        }
        json.append("]}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void descriptor(StringBuilder json, Descriptor d) {
        json.append("{\"mediaType\":\"").append(d.mediaType()).append("\",\"digest\":\"").append(d.digest())
                .append("\",\"size\":").append(d.size()).append('}');
    }
}
