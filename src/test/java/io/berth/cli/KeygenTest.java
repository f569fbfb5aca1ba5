package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.SignedJWT;
import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import io.berth.testing.ServerProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * berth keygen and berth init through the real command line, and a real server started on what they wrote: the server
 * signs its tokens with that key. Runs the commands docs/DEPLOYMENT.md and README.md show.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeygenTest {
    private static final Pattern WROTE_KEY = Pattern.compile("wrote token signing key (\\S+) to (\\S+)");
    private static final String ADMIN_PASSWORD = "keygen-admin-password";

    @TempDir
    Path dir;

    @Test
    void keygen_writes_a_private_ec_jwk_readable_by_its_owner_only_and_never_overwrites_it_without_force() throws Exception {
        // DEPLOYMENT.md: ./berth keygen --out token-key.json
        Launcher.Run first = Launcher.run(dir, "keygen", "--out", "token-key.json");
        assertThat(first.exit()).as(first.all()).isZero();
        Path file = dir.resolve("token-key.json");
        String keyId = keyId(first.out(), file);
        assertThat(mode(file)).isEqualTo("rw-------");
        ECKey key = privateKey(file);
        assertThat(key.getKeyID()).isEqualTo(keyId).isEqualTo(key.computeThumbprint().toString());
        assertThat(key.getCurve()).isEqualTo(Curve.P_256);
        assertThat(key.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
        String written = Files.readString(file);

        Launcher.Run again = Launcher.run(dir, "keygen", "--out", "token-key.json");
        assertThat(again.exit()).as(again.all()).isEqualTo(1);
        assertThat(again.err()).contains(file.toString() + " exists").contains("--force");
        assertThat(Files.readString(file)).isEqualTo(written);
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).containsExactly("token-key.json");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Launcher.Run forced = Launcher.run(dir, "keygen", "--out", "token-key.json", "--force");
        assertThat(forced.exit()).as(forced.all()).isZero();
        String newKeyId = keyId(forced.out(), file);
        assertThat(newKeyId).isNotEqualTo(keyId).isEqualTo(privateKey(file).getKeyID());
        assertThat(mode(file)).isEqualTo("rw-------");
    }

    @Test
    void keygen_writes_the_data_directorys_key_by_default_and_the_server_signs_its_tokens_with_it() throws Exception {
        // keygen acts on an existing data directory (a --data that does not exist is refused as a typo).
        Path data = Files.createDirectories(dir.resolve("data"));
        String output = BerthServer.runCli(data, "keygen");
        Path file = data.resolve("auth").resolve("token-key.json");
        String keyId = keyId(output, file);
        String written = Files.readString(file);
        assertThat(mode(file)).isEqualTo("rw-------");

        try (BerthServer server = BerthServer.startWithAuth(data, ADMIN_PASSWORD, List.of())) {
            assertSignedWith(Launcher.token(server.hostPort(), "admin", ADMIN_PASSWORD), file, keyId);
        }
        assertThat(Files.readString(file)).as("the server kept the key").isEqualTo(written);
    }

    @Test
    void keygen_writes_the_configured_key_file() throws Exception {
        Path config = dir.resolve("berth.yaml");
        Path file = dir.resolve("keys").resolve("shared.json");
        Files.writeString(config, "auth: {keyFile: \"" + file + "\"}\n");
        String output = BerthServer.runCli(Files.createDirectories(dir.resolve("data")), "keygen", "--config",
                config.toString());
        assertThat(privateKey(file).getKeyID()).isEqualTo(keyId(output, file));
        assertThat(dir.resolve("data").resolve("auth").resolve("token-key.json")).doesNotExist();
    }

    @Test
    void init_writes_a_configuration_and_a_key_that_a_server_starts_with() throws Exception {
        Path site = dir.resolve("srv").resolve("berth");
        int port = Ports.freePort();
        // README.md: ./berth init /srv/registry
        Launcher.Run init = Launcher.run(dir, "init", site.toString());
        assertThat(init.exit()).as(init.all()).isZero();
        Path config = site.resolve("berth.yaml");
        Path key = site.resolve("data").resolve("auth").resolve("token-key.json");
        assertThat(init.out()).contains("wrote " + config).contains("Next: start Berth with `berth serve --config " + config + "`");
        String keyId = keyId(init.out(), key);
        assertThat(mode(key)).isEqualTo("rw-------");
        String yaml = Files.readString(config);
        assertThat(yaml).contains("data: \"" + site.resolve("data") + "\"").contains("listen: \"0.0.0.0:5000\"")
                .contains("enabled: true")
                .contains("# tls:").contains("#   type: s3").contains("#   url: jdbc:postgresql:");

        // The configuration as written, but on a free loopback port the test can bind.
        ServerProcess server = ServerProcess.start(Launcher.command("serve", "--config", config.toString(),
                        "--listen", "127.0.0.1:" + port),
                dir.resolve("server.log"), Map.of("BERTH_ADMIN_PASSWORD", ADMIN_PASSWORD));
        try {
            server.awaitReady(URI.create("http://127.0.0.1:" + port + "/readyz"), Duration.ofSeconds(60));
            String hostPort = "127.0.0.1:" + port;
            assertThat(Launcher.get(hostPort, "/v2/", null, null)).as("access control is on").isEqualTo(401);
            assertThat(Launcher.get(hostPort, "/v2/", "admin", ADMIN_PASSWORD)).isEqualTo(200);
            assertSignedWith(Launcher.token(hostPort, "admin", ADMIN_PASSWORD), key, keyId);
            assertThat(site.resolve("data").resolve("berth.db")).exists();
            // README.md: ./berth user import-htpasswd /srv/berth/htpasswd --config /srv/berth/berth.yaml
            Path htpasswd = HtpasswdImportTest.htpasswd("erin:" + HtpasswdImportTest.bcrypt("2y", "erin-password"));
            Launcher.Run imported = Launcher.run(dir, "user", "import-htpasswd", htpasswd.toString(), "--config", config.toString());
            assertThat(imported.out()).as(imported.all()).contains("imported 1 users, updated 0");
            assertThat(Launcher.get(hostPort, "/v2/", "erin", "erin-password")).isEqualTo(200);
        } finally {
            server.close();
        }

        Launcher.Run again = Launcher.run(dir, "init", site.toString());
        assertThat(again.exit()).as(again.all()).isEqualTo(1);
        assertThat(again.err()).contains(config + " exists");
        assertThat(Files.readString(config)).isEqualTo(yaml);
    }

    @Test
    void init_refuses_a_data_directory_that_has_a_key_and_writes_nothing() throws java.io.IOException {
        Path site = dir.resolve("site");
        Path data = Files.createDirectories(dir.resolve("existing-data"));
        assertThat(BerthServer.runCli(data, "keygen")).contains("wrote token signing key");
        Launcher.Run init = Launcher.run(dir, "init", site.toString(), "--data", data.toString(), "--listen", "127.0.0.1:5001");
        assertThat(init.exit()).as(init.all()).isEqualTo(1);
        assertThat(init.err()).contains(data.resolve("auth").resolve("token-key.json") + " exists");
        assertThat(site.resolve("berth.yaml")).doesNotExist();

        Path other = dir.resolve("other-data");
        Launcher.Run elsewhere = Launcher.run(dir, "init", site.toString(), "--data", other.toString(), "--listen", "127.0.0.1:5001");
        assertThat(elsewhere.exit()).as(elsewhere.all()).isZero();
        keyId(elsewhere.out(), other.resolve("auth").resolve("token-key.json"));
        assertThat(site.resolve("berth.yaml")).content().contains("data: \"" + other + "\"").contains("listen: \"127.0.0.1:5001\"");
    }

    /** The key id a keygen or init output names for file. */
    private static String keyId(String output, Path file) {
        Matcher m = WROTE_KEY.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        assertThat(m.group(2)).isEqualTo(file.toAbsolutePath().normalize().toString());
        return m.group(1);
    }

    private static ECKey privateKey(Path file) throws Exception {
        JWK jwk = JWK.parse(Files.readString(file));
        assertThat(jwk).isInstanceOf(ECKey.class);
        assertThat(jwk.isPrivate()).isTrue();
        return (ECKey) jwk;
    }

    /** The token names keyId in its header and verifies with the public half of the key in file. */
    private static void assertSignedWith(String token, Path file, String keyId) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(keyId);
        assertThat(jwt.verify(new ECDSAVerifier(privateKey(file).toPublicJWK()))).isTrue();
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
