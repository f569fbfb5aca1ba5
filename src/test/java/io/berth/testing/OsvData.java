package io.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * OSV records for tests, and zips of them made as osv.dev ships its {@code <Ecosystem>/all.zip}: one deflated entry
 * {@code <ID>.json} per record at the top level. The real records are under src/test/resources/osv (see its README
 * for where each comes from); {@link #record} writes more in the same schema.
 */
public final class OsvData {
    private OsvData() {}

    /** GitHub's advisory for Akka (two Maven packages), from the osv-schema repository. */
    public static final String AKKA = "GHSA-mr95-9rr4-668f";
    /** Debian's DSA 5514-1 for glibc in Debian:12. */
    public static final String GLIBC = "DSA-5514-1";
    /** Alpine's record of CVE-2023-5363 for openssl in Alpine:v3.18 and v3.19. */
    public static final String OPENSSL = "ALPINE-CVE-2023-5363";
    /** GitHub's advisory for Flask (PyPI). */
    public static final String FLASK = "GHSA-m2qf-hxjv-5gpq";

    /** The JSON of one of the real records under src/test/resources/osv. */
    public static byte[] real(String id) {
        try (InputStream in = OsvData.class.getResourceAsStream("/osv/" + id + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no test record " + id);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real records by id, ready for {@link #zip}. */
    public static Map<String, byte[]> realRecords(String... ids) {
        Map<String, byte[]> records = new LinkedHashMap<>();
        for (String id : ids) {
            records.put(id, real(id));
        }
        return records;
    }

    /**
     * A record in the OSV schema: id, modified, withdrawn when given, one affected package with an ECOSYSTEM range
     * fixed in fixed, and an alias.
     */
    public static byte[] record(String id, String modified, String withdrawn, String ecosystem, String name, String fixed) {
        String json = """
                {
                  "schema_version": "1.6.0",
                  "id": "%s",
                  "modified": "%s",%s
                  "published": "2024-01-02T03:04:05Z",
                  "aliases": ["CVE-%s"],
                  "summary": "a flaw in %s",
                  "details": "Written for Berth's tests.",
                  "affected": [
                    {
                      "package": {"ecosystem": "%s", "name": "%s"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}]
                    }
                  ],
                  "references": [{"type": "WEB", "url": "https://example.org/%s"}]
                }
                """.formatted(id, modified, withdrawn == null ? "" : "\n  \"withdrawn\": \"" + withdrawn + "\",",
                Math.abs(id.hashCode()), name, ecosystem, name, fixed, id);
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes records (id to JSON) into file as osv.dev's all.zip holds them; returns file. */
    public static Path zip(Path file, Map<String, byte[]> records) {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                ZipEntry entry = new ZipEntry(r.getKey() + ".json");
                entry.setMethod(ZipEntry.DEFLATED);
                zip.putNextEntry(entry);
                zip.write(r.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Writes records as files {@code <ID>.json} into dir (made when missing); returns dir. */
    public static Path directory(Path dir, Map<String, byte[]> records) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                Files.write(dir.resolve(r.getKey() + ".json"), r.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
