package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsApplyWithoutAnyFile() {
        BerthConfig c = new ConfigLoader().load(null, Map.of(), Map.of());
        assertThat(c.http().listen()).isEqualTo("0.0.0.0:5000");
        assertThat(c.uploads().maxAge()).isEqualTo(Duration.ofHours(24));
        assertThat(c.data()).isEqualTo(Path.of("./data"));
    }

    @Test
    void fileThenEnvironmentThenFlagsOverride() throws Exception {
        Path file = Files.writeString(dir.resolve("berth.yaml"), "http:\n  listen: 127.0.0.1:1\nuploads:\n  maxAge: 2s\n");
        BerthConfig fromFile = new ConfigLoader().load(file, Map.of(), Map.of());
        assertThat(fromFile.http().listen()).isEqualTo("127.0.0.1:1");
        assertThat(fromFile.uploads().maxAge()).isEqualTo(Duration.ofSeconds(2));

        BerthConfig fromEnv = new ConfigLoader().load(file,
                Map.of("BERTH_HTTP_LISTEN", "127.0.0.1:2", "BERTH_UPLOADS_MAX_AGE", "5m", "PATH", "/bin"), Map.of());
        assertThat(fromEnv.http().listen()).isEqualTo("127.0.0.1:2");
        assertThat(fromEnv.uploads().maxAge()).isEqualTo(Duration.ofMinutes(5));

        BerthConfig fromFlags = new ConfigLoader().load(file, Map.of("BERTH_HTTP_LISTEN", "127.0.0.1:2"),
                Map.of("http.listen", "127.0.0.1:3"));
        assertThat(fromFlags.http().listen()).isEqualTo("127.0.0.1:3");
    }

    @Test
    void unknownKeysAreErrorsThatNameTheKey() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), "http:\n  lisen: x\n");
        assertThatThrownBy(() -> new ConfigLoader().load(file, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.lisen");
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("BERTH_NOPE", "1"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BERTH_NOPE");
    }

    @Test
    void theLaunchersOwnVariablesAreNotConfiguration() {
        // ./berth documents BERTH_JAVA_OPTS; a server that refused it as an unknown key would not start with it.
        BerthConfig c = new ConfigLoader().load(null, Map.of("BERTH_JAVA_OPTS", "-Xmx1g", "BERTH_HOME", "/opt/berth",
                "BERTH_JAR", "/opt/berth/berth.jar"), Map.of());
        assertThat(c.http().listen()).isEqualTo("0.0.0.0:5000");
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        assertThat(ConfigLoader.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigLoader.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(ConfigLoader.parseDuration("PT3S")).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> ConfigLoader.parseDuration("soon")).isInstanceOf(ConfigException.class);
    }

    @Test
    void s3StorageIsConfiguredFromTheEnvironmentWithSizesInBinaryUnits() {
        BerthConfig c = new ConfigLoader().load(null, Map.of("BERTH_STORAGE_TYPE", "s3",
                "BERTH_STORAGE_S3_BUCKET", "registry", "BERTH_STORAGE_S3_ACCESS_KEY", "id",
                "BERTH_STORAGE_S3_PATH_STYLE", "true", "BERTH_STORAGE_S3_PART_SIZE", "32MiB"), Map.of());
        assertThat(c.storage().type()).isEqualTo("s3");
        assertThat(c.storage().s3().bucket()).isEqualTo("registry");
        assertThat(c.storage().s3().accessKey()).isEqualTo("id");
        assertThat(c.storage().s3().pathStyle()).isTrue();
        assertThat(c.storage().s3().partSize().bytes()).isEqualTo(32L << 20);
        assertThat(new ConfigLoader().load(null, Map.of(), Map.of()).storage().s3().partSize()).isEqualTo(ByteSize.parse("16MiB"));
        assertThat(ByteSize.parse("5242880").bytes()).isEqualTo(5L << 20);
        assertThat(ByteSize.parse("1 GiB").bytes()).isEqualTo(1L << 30);
        assertThat(ByteSize.parse("16MB").bytes()).isEqualTo(16_000_000L);
        assertThat(ByteSize.parse("1.5KiB").bytes()).isEqualTo(1536L);
        assertThat(ByteSize.parse("2TiB").bytes()).isEqualTo(2L << 40);
        assertThatThrownBy(() -> ByteSize.parse("10XB")).isInstanceOf(ConfigException.class)
                .hasMessage("invalid size '10XB' (use a number with B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)");
    }

    @Test
    void registryHostIsAHostWithAnOptionalPort() {
        assertThat(new ConfigLoader().load(null, Map.of(), Map.of()).ui().registryHost()).isEmpty();
        for (String good : new String[] {"registry.example.com", "10.0.0.5:5000", "[::1]:5000", "berth", "localhost:5000"}) {
            assertThat(new ConfigLoader().load(null, Map.of("BERTH_UI_REGISTRY_HOST", good), Map.of()).ui()
                    .registryHost()).isEqualTo(good);
        }
        for (String bad : new String[] {"http://registry.example.com", "host/path", "a b", "host:99999", "-x.example"}) {
            assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of(), Map.of("ui.registryHost", bad)))
                    .isInstanceOf(ConfigException.class).hasMessageStartingWith("ui.registryHost: invalid value");
        }
    }
}
