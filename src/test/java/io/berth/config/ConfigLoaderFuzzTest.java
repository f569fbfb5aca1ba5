package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Any configuration file either loads or is refused with a ConfigException (the one-line error Berth prints at start);
 * a YAML, Jackson or runtime exception escaping would be a stack trace instead, and one wrapped into the message would
 * tell the user nothing. The same text as a duration or a size (also given on the command line and in the management
 * API) parses or is refused the same way. The loader sees an empty environment and no flags, and reads nothing but one
 * temporary file.
 */
class ConfigLoaderFuzzTest {
    private static final Path FILE = temporaryFile();
    private static final ConfigLoader LOADER = new ConfigLoader();

    /** The keys and value forms of defaults.yaml, so that mutations reach the typed fields and not only YAML syntax. */
    @DictionaryEntries({"data:", "http:", "listen:", "eventLoopThreads:", "tls:", "certificate:", "storage:", "s3:",
            "partSize:", "pathStyle:", "metadata:", "poolSize:", "uploads:", "maxAge:", "purgeInterval:", "auth:",
            "tokenTtl:", "maxFailuresPerMinute:", "external:", "gc:", "interval:", "gracePeriod:", "history:",
            "window:", "retention:", "log:", "access:", "ms", "24h", "7d", "PT1S", "16MiB", "1GiB",
            "512KiB", "true", "~", "&a ", "*a", "<<: ", "!!binary ", "[", "{", "99999999999999999999"})
    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyConfigurationFileLoadsOrIsRefusedWithConfigException(byte[] yaml) throws IOException {
        Files.write(FILE, yaml);
        String text = new String(yaml, StandardCharsets.UTF_8);
        try {
            BerthConfig config = LOADER.load(FILE, Map.of(), Map.of());
            assertThat(config.http()).isNotNull();
            assertThat(config.uploads().maxAge()).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            if (!text.contains("(was ")) {
                // Jackson's mark of a runtime exception thrown inside a field: "(was java.lang.NullPointerException)".
                assertThat(e.getMessage()).doesNotContain("(was java.");
            }
        }

        try {
            assertThat(ConfigLoader.parseDuration(text)).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            ByteSize size = ByteSize.parse(text);
            assertThat(ByteSize.parse(size.toString())).isEqualTo(size);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aDurationOrPathBeyondItsTypeIsRefusedNamingItsKey() throws IOException {
        Files.writeString(FILE, "gc:\n  gracePeriod: 9999999999999999d\n");
        assertThatThrownBy(() -> LOADER.load(FILE, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration at gc.gracePeriod: duration too long: 9999999999999999d");
        Files.writeString(FILE, "data: [a, b]\n");
        assertThatThrownBy(() -> LOADER.load(FILE, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration at data: expected a path, not a list or mapping");
    }

    private static Path temporaryFile() {
        try {
            Path file = Files.createTempFile("berth-fuzz-", ".yaml");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
