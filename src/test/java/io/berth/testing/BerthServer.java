package io.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The real Berth server as a separate process on a free loopback port, started from the test class path
 * (the same classes the jar holds), with its data in a fresh directory. {@link #with()} chooses the options: a
 * configuration, access control with an admin password, HTTPS with a new self-signed certificate, environment.
 */
public final class BerthServer implements RegistryUnderTest {
    /** The admin user {@link Options#auth} creates. */
    public static final String ADMIN = "admin";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ServerProcess process;
    private final int port;
    private final Path dataDir;
    private final Path config;
    private final Path certificate;
    private final SSLContext tls;
    private final String adminPassword;

    private BerthServer(ServerProcess process, int port, Path dataDir, Path config, Path certificate, String adminPassword) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
        this.config = config;
        this.certificate = certificate;
        this.tls = certificate == null ? null : trusting(certificate);
        this.adminPassword = adminPassword;
    }

    public static BerthServer start() {
        return with().start();
    }

    /** Options of a server to start: {@code BerthServer.with().auth(password).tls().start()}. */
    public static Options with() {
        return new Options();
    }

    /** What a server is started with; each option adds to the YAML configuration, the arguments or the environment. */
    public static final class Options {
        private Path dataDir;
        private final StringBuilder yaml = new StringBuilder();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new HashMap<>();
        private String adminPassword;
        private boolean tls;

        private Options() {}

        /** The data directory (default: a fresh one). */
        public Options dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** YAML added to the server's configuration file. */
        public Options config(String moreYaml) {
            yaml.append(moreYaml.endsWith("\n") ? moreYaml : moreYaml + "\n");
            return this;
        }

        /** Extra "serve" arguments. */
        public Options args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** Extra environment variables (BERTH_*, JAVA_TOOL_OPTIONS). */
        public Options env(Map<String, String> more) {
            env.putAll(more);
            return this;
        }

        /** Access control on, with the user {@link #ADMIN} and this password. */
        public Options auth(String password) {
            this.adminPassword = password;
            return config("auth:\n  enabled: true\n  adminPassword: \"" + password + "\"");
        }

        /** HTTPS only, with a new self-signed certificate (made by openssl) for 127.0.0.1 and localhost. */
        public Options tls() {
            this.tls = true;
            return this;
        }

        public BerthServer start() {
            Path data = dataDir == null ? newDataDir() : dataDir;
            Path folder = data.toAbsolutePath().getParent();
            Path certificate = null;
            if (tls) {
                certificate = selfSignedCertificate(folder);
                config("http:\n  tls: {certificate: \"" + certificate + "\", key: \"" + folder.resolve("tls.key") + "\"}");
            }
            Path configFile = null;
            List<String> serveArgs = new ArrayList<>();
            if (!yaml.isEmpty()) {
                configFile = folder.resolve(data.getFileName() + ".yaml");
                write(configFile, yaml.toString());
                serveArgs.addAll(List.of("--config", configFile.toString()));
            }
            serveArgs.addAll(args);
            return launch(data, serveArgs, env, configFile, certificate, adminPassword);
        }
    }

    /** Starts Berth on dataDir with extra "serve" arguments (e.g. "--config", path). */
    public static BerthServer start(Path dataDir, List<String> extraArgs) {
        return start(dataDir, extraArgs, java.util.Map.of());
    }

    /** Starts Berth with access control on and the given admin password (user "admin"). */
    public static BerthServer startWithAuth(Path dataDir, String adminPassword, List<String> extraArgs) {
        return start(dataDir, extraArgs, java.util.Map.of("BERTH_AUTH_ENABLED", "true", "BERTH_ADMIN_PASSWORD", adminPassword));
    }

    /** Starts Berth on dataDir with extra "serve" arguments and environment variables (BERTH_*). */
    public static BerthServer start(Path dataDir, List<String> extraArgs, java.util.Map<String, String> env) {
        int i = extraArgs.indexOf("--config");
        Path config = i >= 0 && i + 1 < extraArgs.size() ? Path.of(extraArgs.get(i + 1)) : null;
        return launch(dataDir, extraArgs, env, config, null, env.get("BERTH_ADMIN_PASSWORD"));
    }

    private static BerthServer launch(Path dataDir, List<String> extraArgs, Map<String, String> env, Path config,
                                      Path certificate, String adminPassword) {
        int port = Ports.freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "io.berth.cli.Main", "serve",
                "--listen", "127.0.0.1:" + port,
                "--data", dataDir.toString()));
        command.addAll(extraArgs);
        ServerProcess process = ServerProcess.start(command, dataDir.resolveSibling(dataDir.getFileName() + ".log"), env);
        BerthServer server = new BerthServer(process, port, dataDir, config, certificate, adminPassword);
        process.awaitReady(server.baseUri().resolve("/readyz"), START_TIMEOUT, server.tls);
        return server;
    }

    private static Path selfSignedCertificate(Path folder) {
        try {
            return SelfSignedCertificate.create(Files.createDirectories(folder));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A TLS context that trusts exactly the certificate (PEM). */
    private static SSLContext trusting(Path certificate) {
        try (InputStream pem = Files.newInputStream(certificate)) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry("berth", CertificateFactory.getInstance("X.509").generateCertificate(pem));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + certificate + ": " + e, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a Berth command line (e.g. "repo", "delete", "x") against dataDir and returns its output; fails on non-zero exit. */
    public static String runCli(Path dataDir, String... args) {
        CliRun run = runCliForExit(dataDir, args);
        if (run.exitCode() != 0) {
            throw new IllegalStateException("berth " + String.join(" ", args) + " exited " + run.exitCode() + ":\n" + run.output());
        }
        return run.output();
    }

    /** A command line's exit code and its output (stdout and stderr together). */
    public record CliRun(int exitCode, String output) {}

    /** Runs a Berth command line against dataDir and returns its exit code and output, whatever the exit code. */
    public static CliRun runCliForExit(Path dataDir, String... args) {
        // A command line run is short: the client JIT and a small heap start it faster.
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main"));
        command.addAll(List.of(args));
        command.add("--data");
        command.add(dataDir.toString());
        try {
            // The command line refuses a --data directory that does not exist (a typo); a test's data directory is real.
            Files.createDirectories(dataDir);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return new CliRun(p.waitFor(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a Berth command line against this server's data and configuration; fails on non-zero exit. */
    public String cli(String... args) {
        if (config == null) {
            return runCli(dataDir, args);
        }
        List<String> withConfig = new ArrayList<>(List.of(args));
        withConfig.addAll(List.of("--config", config.toString()));
        return runCli(dataDir, withConfig.toArray(String[]::new));
    }

    public static Path newDataDir() {
        try {
            return Files.createTempDirectory("berth-test-").resolve("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String name() {
        return "berth";
    }

    @Override
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    @Override
    public boolean supports(Feature feature) {
        return true;
    }

    /** https://host:port with {@link Options#tls}, else http://host:port. */
    @Override
    public URI baseUri() {
        return URI.create((certificate == null ? "http://" : "https://") + hostPort());
    }

    @Override
    public SSLContext tls() {
        return tls;
    }

    /** A client of the API as {@link #ADMIN} (the server was started with {@link Options#auth}). */
    public RegistryApiClient admin() {
        if (adminPassword == null) {
            throw new IllegalStateException("started without access control");
        }
        return api().as(ADMIN, adminPassword);
    }

    public String adminPassword() {
        return adminPassword;
    }

    /** "host:port/repository:tag", as clients write an image reference. */
    public String tag(String repository, String tag) {
        return hostPort() + "/" + repository + ":" + tag;
    }

    /** The self-signed certificate (PEM) of a server started with {@link Options#tls}. */
    public Path certificate() {
        if (certificate == null) {
            throw new IllegalStateException("started without TLS");
        }
        return certificate;
    }

    /** A folder holding only ca.crt, the server's certificate: what skopeo, podman and buildah take as --cert-dir. */
    public Path certDirectory() {
        Path dir = certificate().resolveSibling("certs.d").resolve(hostPort());
        if (!Files.exists(dir.resolve("ca.crt"))) {
            try {
                write(dir.resolve("ca.crt"), Files.readString(certificate));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** Berth's log: start-up, errors and one access line per request. */
    public String logText() {
        return process.logText();
    }

    /** The access-log lines so far ("... access request_id=... method=GET path=\"/v2/\" status=401 ..."). */
    public List<String> accessLog() {
        return logText().lines().filter(line -> line.contains(" access request_id=")).toList();
    }

    public Path dataDir() {
        return dataDir;
    }

    public ServerProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
