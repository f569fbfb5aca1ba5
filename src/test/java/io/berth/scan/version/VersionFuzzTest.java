package io.berth.scan.version;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Any string is a version of each scheme or is refused with InvalidVersionException (version strings come from image
 * contents and downloaded records: nothing else may escape); accepted versions compare antisymmetrically and equal to
 * themselves.
 */
class VersionFuzzTest {

    private static final List<VersionScheme<?>> SCHEMES = List.of(VersionScheme.DPKG, VersionScheme.RPM,
            VersionScheme.APK, VersionScheme.MAVEN, VersionScheme.PEP440, VersionScheme.SEMVER, VersionScheme.GO);

    @DictionaryEntries({":", "-", "~", "^", "+", ".", "_", "!", "_alpha", "_p", "-r", "rc", "dev", "post", "v", "go",
            "SNAPSHOT", "99999999999999999999", "0", "00"})
    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyStringParsesOrIsRefused(FuzzedDataProvider data) {
        String a = data.consumeString(40);
        String b = data.consumeRemainingAsString();
        for (VersionScheme<?> scheme : SCHEMES) {
            boolean validA = valid(scheme, a);
            boolean validB = valid(scheme, b);
            if (validA) {
                assertThat(scheme.compare(a, a)).isZero();
            }
            if (validA && validB) {
                assertThat(scheme.compare(a, b)).isEqualTo(-scheme.compare(b, a));
            }
        }
    }

    private static boolean valid(VersionScheme<?> scheme, String v) {
        try {
            scheme.parse(v);
            return true;
        } catch (InvalidVersionException e) {
            assertThat(e.getMessage()).startsWith(scheme.name() + " version '");
            return false;
        }
    }
}
