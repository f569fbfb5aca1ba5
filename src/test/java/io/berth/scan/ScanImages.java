package io.berth.scan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Real images for the scanning tests: OCI layouts (as skopeo reads them) of one gzip layer, either Debian bookworm's
 * minbase root filesystem (made by mmdebstrap, cached under target/scan-cache) or a small layer of chosen files; the
 * dpkg status of a layer, to write OSV records for its real package versions; pushes and copies by skopeo.
 */
final class ScanImages {
    static final Path CACHE = Path.of("target", "scan-cache");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScanImages() {
    }

    /** Debian bookworm minbase as a gzip tar: made by mmdebstrap (it reaches Debian's archive) once per checkout. */
    static Path bookwormGz() throws IOException, InterruptedException {
        Path gz = CACHE.resolve("bookworm-minbase.tar.gz");
        if (Files.exists(gz)) {
            return gz;
        }
        Files.createDirectories(CACHE);
        Path tar = CACHE.resolve("bookworm-minbase.tar");
        if (!Files.exists(tar)) {
            Path partial = CACHE.resolve("bookworm-minbase.tar.partial");
            String mode = "root".equals(System.getProperty("user.name")) ? "--mode=root" : "--mode=unshare";
            run(List.of("mmdebstrap", "--quiet", "--variant=minbase", mode, "--format=tar", "bookworm",
                    partial.toString()));
            Files.move(partial, tar);
        }
        Path partial = CACHE.resolve("bookworm-minbase.tar.gz.partial");
        try (InputStream in = Files.newInputStream(tar); OutputStream out = new GZIPOutputStream(
                Files.newOutputStream(partial), 1 << 16)) {
            in.transferTo(out);
        }
        Files.move(partial, gz);
        return gz;
    }

    /** A gzip layer of the given files (path to content). */
    static Path layer(Path out, Map<String, String> files) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(out)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, String> f : files.entrySet()) {
                byte[] bytes = f.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(f.getKey());
                entry.setSize(bytes.length);
                entry.setMode(0644);
                tar.putArchiveEntry(entry);
                tar.write(bytes);
                tar.closeArchiveEntry();
            }
        }
        return out;
    }

    /** The text of one file of a gzip tar layer (read with tar). */
    static String fileOf(Path gzLayer, String path, Path work) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(work, "extract");
        run(List.of("tar", "-xzf", gzLayer.toAbsolutePath().toString(), "-C", dir.toString(), path));
        return Files.readString(dir.resolve(path));
    }

    /** An OCI layout at dir holding one image of gzLayer, tagged tag; its manifest digest. */
    static String layout(Path dir, Path gzLayer, String tag) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        String layerDigest = sha256(gzLayer);
        Files.copy(gzLayer, blobs.resolve(layerDigest), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String diffId;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gzLayer), 1 << 16)) {
            diffId = sha256(in);
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64").put("os", "linux");
        config.putObject("config").putArray("Cmd").add("/bin/bash");
        config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add("sha256:" + diffId);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        Files.write(blobs.resolve(sha256(configBytes)), configBytes);
        byte[] manifestBytes = manifest(blobs, configBytes, "application/vnd.oci.image.layer.v1.tar+gzip",
                "sha256:" + layerDigest, Files.size(gzLayer));
        return top(dir, "application/vnd.oci.image.manifest.v1+json", manifestBytes, tag);
    }

    /** An image manifest of config and one layer, written to blobs; its bytes. */
    private static byte[] manifest(Path blobs, byte[] config, String layerType, String layerDigest, long layerSize)
            throws IOException {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", "sha256:" + sha256(config)).put("size", config.length);
        manifest.putArray("layers").addObject().put("mediaType", layerType).put("digest", layerDigest)
                .put("size", layerSize);
        byte[] bytes = JSON.writeValueAsBytes(manifest);
        Files.write(blobs.resolve(sha256(bytes)), bytes);
        return bytes;
    }

    /** The layout's index.json naming the manifest (of mediaType) as tag, and oci-layout; the manifest's digest. */
    private static String top(Path dir, String mediaType, byte[] manifest, String tag) throws IOException {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.putArray("manifests").addObject().put("mediaType", mediaType)
                .put("digest", "sha256:" + sha256(manifest)).put("size", manifest.length)
                .putObject("annotations").put("org.opencontainers.image.ref.name", tag);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return "sha256:" + sha256(manifest);
    }

    /**
     * An OCI layout at dir holding an index tagged tag: one image per platform ("linux/amd64" → its gzip layer) and
     * an attestation manifest (as buildx writes them: platform unknown/unknown, vnd.docker.reference.type); its digest.
     */
    static String indexLayout(Path dir, Map<String, Path> platforms, String tag) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
        var manifests = index.putArray("manifests");
        String first = null;
        for (Map.Entry<String, Path> p : platforms.entrySet()) {
            Path single = Files.createTempDirectory(dir.getParent(), "single");
            String digest = layout(single, p.getValue(), "x");
            try (var files = Files.list(single.resolve("blobs/sha256"))) {
                for (Path blob : files.toList()) {
                    Files.copy(blob, blobs.resolve(blob.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            first = first == null ? digest : first;
            String[] osArch = p.getKey().split("/");
            manifests.addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json").put("digest", digest)
                    .put("size", Files.size(blobs.resolve(digest.substring(7))))
                    .putObject("platform").put("os", osArch[0]).put("architecture", osArch[1]);
        }
        byte[] statement = "{\"_type\":\"https://in-toto.io/Statement/v0.1\"}".getBytes(StandardCharsets.UTF_8);
        Files.write(blobs.resolve(sha256(statement)), statement);
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        Files.write(blobs.resolve(sha256(empty)), empty);
        byte[] attBytes = manifest(blobs, empty, "application/vnd.in-toto+json", "sha256:" + sha256(statement),
                statement.length);
        ObjectNode attDesc = manifests.addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                .put("digest", "sha256:" + sha256(attBytes)).put("size", attBytes.length);
        attDesc.putObject("platform").put("os", "unknown").put("architecture", "unknown");
        attDesc.putObject("annotations").put("vnd.docker.reference.type", "attestation-manifest")
                .put("vnd.docker.reference.digest", first);
        byte[] indexBytes = JSON.writeValueAsBytes(index);
        Files.write(blobs.resolve(sha256(indexBytes)), indexBytes);
        return top(dir, "application/vnd.oci.image.index.v1+json", indexBytes, tag);
    }

    /** skopeo copy from to (plain HTTP registries); its output when it fails. */
    static void skopeo(String from, String to) throws IOException, InterruptedException {
        run(List.of("skopeo", "copy", "--all", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", from, to));
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** The dpkg status of a layer as package → {version, source, sourceVersion}. */
    static Map<String, String[]> dpkgStatus(String status) {
        Map<String, String[]> packages = new HashMap<>();
        for (String stanza : status.split("\n\n")) {
            String name = null;
            String version = null;
            String source = null;
            String sourceVersion = null;
            for (String line : stanza.split("\n")) {
                if (line.startsWith("Package: ")) {
                    name = line.substring(9).strip();
                } else if (line.startsWith("Version: ")) {
                    version = line.substring(9).strip();
                } else if (line.startsWith("Source: ")) {
                    String[] parts = line.substring(8).strip().split(" ", 2);
                    source = parts[0];
                    if (parts.length > 1) {
                        sourceVersion = parts[1].replaceAll("[()]", "").strip();
                    }
                }
            }
            if (name != null && version != null) {
                packages.put(name, new String[] {version, source == null ? name : source,
                        sourceVersion == null ? version : sourceVersion});
            }
        }
        return packages;
    }

    /** An OSV record for Debian:12 naming a source package, affected from 0 to fixed (null: no fix). */
    static String record(String id, String modified, String sourcePackage, String fixed, String cvss) {
        String events = "{\"introduced\": \"0\"}" + (fixed == null ? "" : ", {\"fixed\": \"" + fixed + "\"}");
        return "{\"schema_version\": \"1.6.0\", \"id\": \"" + id + "\", \"modified\": \"" + modified + "\","
                + " \"aliases\": [\"CVE-2099-" + id.replaceAll("[^0-9]", "") + "\"],"
                + " \"summary\": \"" + sourcePackage + " - test advisory\","
                + (cvss == null ? "" : " \"severity\": [{\"type\": \"CVSS_V3\", \"score\": \"" + cvss + "\"}],")
                + " \"references\": [{\"type\": \"ADVISORY\", \"url\": \"https://example.org/" + id + "\"}],"
                + " \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\", \"name\": \"" + sourcePackage + "\"},"
                + " \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [" + events + "]}]}]}";
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    static String sha256(InputStream in) throws IOException {
        MessageDigest md = sha();
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            md.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha().digest(bytes));
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
