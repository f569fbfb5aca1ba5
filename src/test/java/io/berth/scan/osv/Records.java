package io.berth.scan.osv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.scan.InstalledPackage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The OSV records under src/test/resources/scan/osv, and installed packages to match them against. */
final class Records {

    private Records() {
    }

    static byte[] bytes(String file) {
        try (InputStream in = Records.class.getResourceAsStream("/scan/osv/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no test record " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static OsvRecord record(String file) {
        return OsvRecord.parse(bytes(file));
    }

    /** The {@code index}th record of a file holding a JSON array of records. */
    static OsvRecord record(String file, int index) {
        try {
            JsonNode all = new ObjectMapper().readTree(bytes(file));
            return OsvRecord.parse(all.get(index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InstalledPackage pkg(String ecosystem, String name, String version) {
        return pkg(ecosystem, name, version, name);
    }

    static InstalledPackage pkg(String ecosystem, String name, String version, String source) {
        return new InstalledPackage(ecosystem, name, version, source, "pkg:generic/" + name + "@" + version, "/test");
    }
}
