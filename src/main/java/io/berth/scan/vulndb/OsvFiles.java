package io.berth.scan.vulndb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.VulnDb.PackageRef;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Reads OSV records as osv.dev distributes them, one at a time: an {@code all.zip} (entries {@code <ID>.json}, read
 * as a stream, one entry in memory at a time), a directory of OSV JSON files (recursively, in name order), or one
 * JSON file holding a record or an array of records. Of each record it reads only what the database indexes (id,
 * modified, withdrawn, aliases, affected[].package) and keeps its JSON as given; the full model is
 * {@code io.berth.scan.osv}'s. Every file is digested as it is read, so an import knows its content's digest.
 */
final class OsvFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The largest record accepted (osv.dev's largest are a few hundred KiB). */
    static final int MAX_RECORD = 8 * 1024 * 1024;

    private OsvFiles() {}

    /** One record read: where it came from (for messages), what the index needs, and its JSON as given. */
    record OsvRecord(String where, String id, String modified, long modifiedMicros, String withdrawn,
                     List<String> aliases, Set<PackageRef> packages, byte[] json, String sha256) {}

    @FunctionalInterface
    interface Sink {
        void accept(OsvRecord record);
    }

    /** A record that cannot be imported; where names the file or entry. */
    static final class BadRecord extends RuntimeException {
        final String where;

        BadRecord(String where, String why) {
            super(where + ": " + why, null, false, false);
            this.where = where;
        }
    }

    /**
     * Reads every record of path (shown as name in messages) into sink; returns the sha256 digest of the content
     * ("sha256:…": of the file's bytes, or for a directory of each JSON file's relative path and digest in order).
     */
    static String read(Path path, String name, Sink sink) throws IOException {
        if (Files.isDirectory(path)) {
            return readDirectory(path, name, sink);
        }
        if (!Files.isRegularFile(path)) {
            throw new BadRecord(name, "no such file or directory");
        }
        MessageDigest digest = sha256();
        // Buffered above the digest, so the bytes the magic check reads again are digested once.
        try (InputStream in = new BufferedInputStream(new DigestInputStream(Files.newInputStream(path), digest), 1 << 16)) {
            in.mark(4);
            byte[] magic = in.readNBytes(4);
            in.reset();
            if (magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5)) {
                readZip(in, name, sink);
            } else {
                readRecordOrArray(bounded(in, name), name, sink);
            }
            in.transferTo(java.io.OutputStream.nullOutputStream()); // the zip's central directory, digested
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    /** The digest {@link #read} returns for path, without parsing it: a stream of its bytes through SHA-256. */
    static String digest(Path path, String name) throws IOException {
        if (Files.isDirectory(path)) {
            return readDirectory(path, name, null);
        }
        if (!Files.isRegularFile(path)) {
            throw new BadRecord(name, "no such file or directory");
        }
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    private static void readZip(InputStream in, String name, Sink sink) throws IOException {
        ZipInputStream zip = new ZipInputStream(in);
        int entries = 0;
        try {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                entries++;
                if (entry.isDirectory() || !entry.getName().toLowerCase(java.util.Locale.ROOT).endsWith(".json")) {
                    continue;
                }
                String where = name + ": entry " + entry.getName();
                byte[] bytes = zip.readNBytes(MAX_RECORD + 1);
                if (bytes.length > MAX_RECORD) {
                    throw new BadRecord(where, "larger than " + (MAX_RECORD >> 20) + " MiB");
                }
                readRecordOrArray(bytes, where, sink);
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new BadRecord(name, "not a readable zip file (" + e.getMessage() + "): is it cut short?");
        }
        if (entries == 0) {
            throw new BadRecord(name, "a zip file without entries");
        }
    }

    private static String readDirectory(Path dir, String name, Sink sink) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().toLowerCase(java.util.Locale.ROOT)
                    .endsWith(".json")).sorted().toList();
        }
        MessageDigest listing = sha256();
        for (Path file : files) {
            String relative = dir.relativize(file).toString();
            String fileDigest = sink == null ? digest(file, name + "/" + relative) : read(file, name + "/" + relative, sink);
            listing.update((relative + "\0" + fileDigest + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return "sha256:" + HexFormat.of().formatHex(listing.digest());
    }

    private static byte[] bounded(InputStream in, String where) throws IOException {
        byte[] bytes = in.readNBytes(MAX_RECORD + 1);
        if (bytes.length > MAX_RECORD) {
            throw new BadRecord(where, "larger than " + (MAX_RECORD >> 20) + " MiB (a JSON file holds one record or"
                    + " an array of a few; put many records in a zip or a directory)");
        }
        return bytes;
    }

    private static void readRecordOrArray(byte[] bytes, String where, Sink sink) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRecord(where, "not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new BadRecord(where, "not readable: " + e.getMessage());
        }
        if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode element = node.get(i);
                byte[] json;
                try {
                    json = JSON.writeValueAsBytes(element);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                sink.accept(record(element, json, where + "[" + i + "]"));
            }
            return;
        }
        sink.accept(record(node, bytes, where));
    }

    /** The fields the index needs, checked; the JSON kept as given. */
    static OsvRecord record(JsonNode node, byte[] json, String where) {
        if (node == null || !node.isObject()) {
            throw new BadRecord(where, "not an OSV record (expected a JSON object)");
        }
        String id = text(node, "id", where, true, 255);
        String modified = text(node, "modified", where, true, 64);
        long micros = micros(modified, "modified", where);
        String withdrawn = text(node, "withdrawn", where, false, 64);
        if (withdrawn != null) {
            micros(withdrawn, "withdrawn", where);
        }
        List<String> aliases = new ArrayList<>();
        JsonNode aliasNode = node.get("aliases");
        if (aliasNode != null && !aliasNode.isNull()) {
            if (!aliasNode.isArray()) {
                throw new BadRecord(where, "'aliases' must be an array of strings");
            }
            for (JsonNode alias : aliasNode) {
                if (!alias.isTextual()) {
                    throw new BadRecord(where, "'aliases' must be an array of strings");
                }
                aliases.add(alias.asText());
            }
        }
        Set<PackageRef> packages = new LinkedHashSet<>();
        JsonNode affected = node.get("affected");
        if (affected != null && !affected.isNull()) {
            if (!affected.isArray()) {
                throw new BadRecord(where, "'affected' must be an array");
            }
            for (int i = 0; i < affected.size(); i++) {
                JsonNode entry = affected.get(i);
                String at = "affected[" + i + "]";
                if (!entry.isObject()) {
                    throw new BadRecord(where, "'" + at + "' must be an object");
                }
                JsonNode pkg = entry.get("package");
                if (pkg == null || pkg.isNull()) {
                    continue; // allowed: a GIT range names a repository, not a package
                }
                if (!pkg.isObject()) {
                    throw new BadRecord(where, "'" + at + ".package' must be an object");
                }
                packages.add(new PackageRef(text(pkg, "ecosystem", where + " " + at + ".package", true, 255),
                        text(pkg, "name", where + " " + at + ".package", true, 512)));
            }
        }
        return new OsvRecord(where, id, modified, micros, withdrawn, List.copyOf(aliases), packages, json,
                HexFormat.of().formatHex(sha256().digest(json)));
    }

    private static String text(JsonNode node, String field, String where, boolean required, int max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new BadRecord(where, "'" + field + "' is missing");
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new BadRecord(where, "'" + field + "' must be a non-empty string");
        }
        if (value.asText().length() > max) {
            throw new BadRecord(where, "'" + field + "' is longer than " + max + " characters");
        }
        return value.asText();
    }

    /** An RFC 3339 time in microseconds since the epoch. */
    private static long micros(String time, String field, String where) {
        try {
            java.time.Instant instant = OffsetDateTime.parse(time).toInstant();
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new BadRecord(where, "'" + field + "' is not an RFC 3339 time: " + time);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
