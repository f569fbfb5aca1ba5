package io.berth.scan.osv;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.berth.scan.InstalledPackage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Any document either parses into a record or is refused with OsvFormatException (records come from downloaded
 * databases: a Jackson or runtime exception escaping would abort an import); a parsed record matches any package
 * without throwing, whatever its versions and vectors hold.
 */
class OsvRecordFuzzTest {

    private static final List<InstalledPackage> PACKAGES = List.of(
            Records.pkg("Debian:12", "libssl3", "3.0.13-1~deb12u1", "openssl"), Records.pkg("npm", "a", "1.0.0"),
            Records.pkg("Go", "a", "v0.0.0-20230905200255-921286631fa9"), Records.pkg("PyPI", "a", "1.0rc1"),
            Records.pkg("Alpine:v3.20", "a", "1.0_rc1-r0"), Records.pkg("Maven", "a", "1.0-SNAPSHOT"));

    @DictionaryEntries({"{\"id\":\"X\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[", "\"package\":",
            "{\"ecosystem\":\"npm\",\"name\":\"a\"}", "{\"ecosystem\":\"Debian:12\",\"name\":\"openssl\"}",
            "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[", "\"type\":\"SEMVER\"", "{\"introduced\":\"0\"}",
            "{\"fixed\":\"1.0.1\"}", "{\"last_affected\":\"1.0\"}", "{\"limit\":\"*\"}", "\"versions\":[\"1.0.0\"]",
            "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]",
            "\"CVSS_V4\"", "\"CVSS_V2\"", "\"database_specific\":{\"severity\":\"HIGH\"}", "\"withdrawn\":"})
    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyDocumentParsesOrIsRefused(byte[] json) {
        OsvRecord record;
        try {
            record = OsvRecord.parse(json);
        } catch (OsvFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        for (InstalledPackage p : PACKAGES) {
            Matcher.match(record, p).ifPresent(f -> assertThat(f.rating()).isNotNull());
        }
    }
}
