package io.berth.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.testing.ContainerClients;
import io.berth.testing.RegistryUnderTest;
import io.berth.testing.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A private lab in which real registry clients run against the registries under test, on a machine without a
 * Docker engine of its own (see REAL-CLIENTS.md). It owns one temp folder holding:
 * <ul>
 *   <li>the two registries under test (reference first, then Berth; a registry that fails to start fails only
 *       the tests that use it);</li>
 *   <li>the clients' config files: registries.conf, storage.conf (vfs), containers.conf and auth.json for
 *       podman/buildah/skopeo, config.toml for containerd, daemon.json for dockerd, written after the registries
 *       started because they name their ports ({@link #addInsecureRegistry} adds one later);</li>
 *   <li>a private containerd and a private dockerd (vfs, no iptables, no bridge) on unix sockets in the folder;</li>
 *   <li>the tiny test images it builds with umoci, and every command's output under logs/.</li>
 * </ul>
 * One lab serves the whole test run (see {@link ClientLabExtension}); close() ends what it started by PID.
 * Set -Dberth.clients.keepLab=true to keep the folder for a post-mortem.
 */
final class ClientLab implements AutoCloseable {
    /** The Debian packages that provide the binaries, for the failure message when one is missing. */
    static final String PACKAGES = "skopeo podman buildah umoci docker.io containerd docker-registry openssl procps";
    private static final List<String> BINARIES = List.of("umoci", "skopeo", "podman", "buildah", "docker", "dockerd",
            "containerd", "ctr", "docker-registry", "tar", "openssl", "kill");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration DAEMON_START_TIMEOUT = Duration.ofSeconds(30);

    private final Path root;
    private final Map<String, Path> binaries;
    private final Map<RegistryKind, RegistryUnderTest> registries = new EnumMap<>(RegistryKind.class);
    private final Map<RegistryKind, RuntimeException> registryFailures = new EnumMap<>(RegistryKind.class);
    private final Map<String, String> environment = new LinkedHashMap<>();
    /** host:port of every plain-HTTP registry the clients are told to trust; guarded by this. */
    private final List<String> insecureRegistries = new ArrayList<>();
    private final AtomicInteger commandCount = new AtomicInteger();
    private final AtomicInteger fileCount = new AtomicInteger();
    private final Thread shutdownHook = new Thread(this::close, "client-lab-shutdown");
    private final AtomicBoolean closed = new AtomicBoolean();
    private ServerProcess containerd;
    private ServerProcess dockerd;

    private ClientLab(Path root, Map<String, Path> binaries) {
        this.root = root;
        this.binaries = binaries;
    }

    /** Starts the registries, writes the config files, starts containerd and dockerd; fails if a client binary is missing. */
    public static ClientLab start() {
        Map<String, Path> binaries = findBinaries();
        ClientLab lab;
        try {
            lab = new ClientLab(Files.createTempDirectory("berth-clients-"), binaries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Daemons outlive the JVM unless ended; the hook covers a run that is interrupted before JUnit closes the lab.
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        try {
            lab.startRegistries();
            lab.writeConfigFiles();
            lab.startContainerd();
            lab.startDockerd();
            return lab;
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
    }

    /** The running registry of that kind; fails the calling test with the start-up error if it did not start. */
    public RegistryUnderTest registry(RegistryKind kind) {
        RuntimeException failure = registryFailures.get(kind);
        if (failure != null) {
            throw new AssertionError("the " + kind + " registry did not start: " + failure.getMessage(), failure);
        }
        return registries.get(kind);
    }

    public RemoteRepository repository(RegistryKind kind, String name) {
        return new RemoteRepository(registry(kind), name);
    }

    public Path root() {
        return root;
    }

    /** A new empty directory inside the lab. */
    public Path newDirectory(String name) {
        Path dir = root.resolve("work").resolve(name + "-" + fileCount.incrementAndGet());
        createDirectories(dir);
        return dir;
    }

    /** A path for a new file inside the lab (e.g. a client's --digestfile); the file itself is not created. */
    public Path newFile(String name) {
        return newDirectory("file").resolve(name);
    }

    /** A file's text without surrounding white space, e.g. the digest a client wrote with --digestfile. */
    public static String readText(Path file) {
        return new String(read(file), StandardCharsets.UTF_8).strip();
    }

    // ---- clients; each fails the test with the full output unless the command exits 0 ----

    public CommandResult skopeo(String... args) {
        return run("skopeo", args);
    }

    public CommandResult podman(String... args) {
        return run("podman", args);
    }

    public CommandResult buildah(String... args) {
        return run("buildah", args);
    }

    public CommandResult docker(String... args) {
        return run("docker", args);
    }

    /** ctr on the lab's containerd, in namespace "lab". */
    public CommandResult ctr(String... args) {
        return run("ctr", args);
    }

    /** Runs a client command that must succeed. */
    public CommandResult run(String client, String... args) {
        CommandResult result = attempt(client, args);
        if (result.exitCode() != 0) {
            throw new AssertionError(client + " failed:\n" + result.describe());
        }
        return result;
    }

    /** Runs a client command and returns whatever happened, for commands expected to fail. */
    public CommandResult attempt(String client, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary(client).toString());
        if (client.equals("ctr")) {
            command.addAll(List.of("--address", containerdSocket().toString(), "--namespace", "lab"));
        }
        command.addAll(List.of(args));
        return execute(command, COMMAND_TIMEOUT);
    }

    // ---- test images ----

    /**
     * Builds a new image with umoci: two layers holding name and random text (so no two images share a blob),
     * tagged amd64 and arm64 (same layers, configs differing in architecture), and an OCI index "list" of both.
     */
    public TestImage newImage(String name) {
        return newImage(name, 0);
    }

    /** Like {@link #newImage(String)}, with randomBytes of incompressible data added to the first layer. */
    public TestImage newImage(String name, int randomBytes) {
        Path dir = newDirectory("image-" + name);
        String layout = dir.resolve("oci").toString();
        Path bundle = dir.resolve("bundle");
        run("umoci", "init", "--layout", layout);
        run("umoci", "new", "--image", layout + ":base");
        run("umoci", "unpack", "--rootless", "--image", layout + ":base", bundle.toString());
        write(bundle.resolve("rootfs").resolve(name + ".txt"), name + " " + UUID.randomUUID() + "\n");
        if (randomBytes > 0) {
            byte[] noise = new byte[randomBytes];
            new Random().nextBytes(noise);
            write(bundle.resolve("rootfs").resolve(name + ".bin"), noise);
        }
        run("umoci", "repack", "--refresh-bundle", "--image", layout + ":amd64", bundle.toString());
        write(bundle.resolve("rootfs/etc/berth").resolve(name + ".conf"), "second layer " + UUID.randomUUID() + "\n");
        run("umoci", "repack", "--image", layout + ":amd64", bundle.toString());
        run("umoci", "config", "--image", layout + ":amd64",
                "--config.cmd", "/" + name + ".txt", "--os", "linux", "--architecture", "amd64");
        run("umoci", "config", "--image", layout + ":amd64", "--tag", "arm64", "--architecture", "arm64");
        run("umoci", "rm", "--image", layout + ":base");
        run("umoci", "gc", "--layout", layout);
        deleteRecursively(bundle);
        return addIndex(name, dir.resolve("oci"));
    }

    /** A docker-archive (what `docker load` reads) of one variant, holding it under reference, e.g. "clients/x:v1". */
    public Path dockerArchive(LocalManifest image, String reference) {
        Path archive = root.resolve("work").resolve("docker-archive-" + fileCount.incrementAndGet() + ".tar");
        skopeo("copy", image.ociReference(), "docker-archive:" + archive + ":" + reference);
        return archive;
    }

    /** An oci-archive of one variant (or of the index, with all its images), whose ref.name annotation is refName. */
    public Path ociArchive(LocalManifest image, String refName) {
        Path archive = root.resolve("work").resolve("oci-archive-" + fileCount.incrementAndGet() + ".tar");
        skopeo("copy", "--all", image.ociReference(), "oci-archive:" + archive + ":" + refName);
        return archive;
    }

    /** The manifest (or index) tagged tag in an OCI layout, e.g. one a client pulled into a layout. */
    public LocalManifest readLayout(Path layout, String tag) {
        JsonNode index = Json.parse(read(layout.resolve("index.json")));
        for (JsonNode entry : index.path("manifests")) {
            if (tag.equals(entry.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                return readManifest(layout, tag, entry.path("mediaType").asText(), entry.path("digest").asText());
            }
        }
        throw new AssertionError("no tag " + tag + " in " + layout + ": " + index);
    }

    private TestImage addIndex(String name, Path layout) {
        LocalManifest amd64 = readLayout(layout, "amd64");
        LocalManifest arm64 = readLayout(layout, "arm64");
        ArrayNode manifests = Json.object().arrayNode();
        for (LocalManifest image : List.of(amd64, arm64)) {
            ObjectNode descriptor = manifests.addObject();
            descriptor.put("mediaType", image.mediaType());
            descriptor.put("digest", image.digest());
            descriptor.put("size", image.bytes().length);
            descriptor.putObject("platform").put("architecture", image.architecture()).put("os", "linux");
        }
        ObjectNode indexDocument = Json.object();
        indexDocument.put("schemaVersion", 2);
        indexDocument.put("mediaType", RemoteRepository.OCI_INDEX);
        indexDocument.set("manifests", manifests);
        byte[] indexBytes = Json.bytes(indexDocument);
        String indexDigest = Digests.sha256(indexBytes);
        write(layout.resolve("blobs/sha256").resolve(Digests.hex(indexDigest)), indexBytes);

        ObjectNode layoutIndex = (ObjectNode) Json.parse(read(layout.resolve("index.json")));
        ObjectNode entry = ((ArrayNode) layoutIndex.path("manifests")).addObject();
        entry.put("mediaType", RemoteRepository.OCI_INDEX);
        entry.put("digest", indexDigest);
        entry.put("size", indexBytes.length);
        entry.putObject("annotations").put("org.opencontainers.image.ref.name", "list");
        write(layout.resolve("index.json"), Json.bytes(layoutIndex));
        return new TestImage(name, layout, amd64, arm64, readLayout(layout, "list"));
    }

    private LocalManifest readManifest(Path layout, String tag, String mediaType, String digest) {
        byte[] bytes = read(layout.resolve("blobs/sha256").resolve(Digests.hex(digest)));
        String reference = "oci:" + layout + ":" + tag;
        JsonNode manifest = Json.parse(bytes);
        if (manifest.has("manifests")) {
            return new LocalManifest(reference, mediaType, digest, bytes, null, List.of(), null);
        }
        String configDigest = manifest.path("config").path("digest").asText();
        JsonNode config = Json.parse(read(layout.resolve("blobs/sha256").resolve(Digests.hex(configDigest))));
        return new LocalManifest(reference, mediaType, digest, bytes, configDigest,
                Json.texts(manifest.path("layers"), "digest"), config.path("architecture").asText());
    }

    // ---- start-up ----

    private static Map<String, Path> findBinaries() {
        List<Path> path = new ArrayList<>(Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(dir -> !dir.isBlank()).map(Path::of).toList());
        path.addAll(List.of(Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/usr/bin"), Path.of("/bin")));
        Map<String, Path> found = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String name : BINARIES) {
            path.stream().map(dir -> dir.resolve(name)).filter(Files::isExecutable).findFirst()
                    .ifPresentOrElse(binary -> found.put(name, binary), () -> missing.add(name));
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("the real-client tests need " + missing + " on PATH; install the Debian packages: "
                    + "apt-get install -y " + PACKAGES);
        }
        return found;
    }

    private void startRegistries() {
        for (RegistryKind kind : RegistryKind.values()) {
            try {
                registries.put(kind, kind.start());
            } catch (RuntimeException e) {
                registryFailures.put(kind, e);
            }
        }
    }

    private void writeConfigFiles() {
        registries.values().forEach(registry -> addInsecureRegistryEntry(registry.hostPort()));
        writeRegistryConfigs();
        environment.putAll(ContainerClients.writeConfigs(root));
        createDirectories(root.resolve("tmp"));

        environment.put("BUILDAH_ISOLATION", "chroot");
        environment.put("TMPDIR", root.resolve("tmp").toString());
    }

    private synchronized boolean addInsecureRegistryEntry(String hostPort) {
        return !insecureRegistries.contains(hostPort) && insecureRegistries.add(hostPort);
    }

    /** registries.conf (podman, buildah, skopeo) and daemon.json (dockerd), each marking insecureRegistries insecure. */
    private synchronized void writeRegistryConfigs() {
        Path config = root.resolve("config");
        StringBuilder registriesConf = new StringBuilder("unqualified-search-registries = []\n");
        List<String> quoted = new ArrayList<>();
        for (String hostPort : insecureRegistries) {
            registriesConf.append("\n[[registry]]\nlocation = \"").append(hostPort).append("\"\ninsecure = true\n");
            quoted.add("\"" + hostPort + "\"");
        }
        write(config.resolve("registries.conf"), registriesConf.toString());
        write(config.resolve("daemon.json"),
                "{\"insecure-registries\": [" + String.join(", ", quoted) + "], \"log-level\": \"info\"}\n");
    }

    /**
     * Tells the clients to trust one more plain-HTTP registry, e.g. one that a test class starts for itself after
     * the lab is up: rewrites registries.conf (read by every podman, buildah and skopeo command) and daemon.json,
     * then has dockerd reload daemon.json (SIGHUP; insecure-registries is one of its reloadable settings) and waits
     * until `docker info` lists the registry.
     */
    public synchronized void addInsecureRegistry(String hostPort) {
        if (!addInsecureRegistryEntry(hostPort)) {
            return;
        }
        writeRegistryConfigs();
        run("kill", "-HUP", Long.toString(dockerd.pid()));
        long deadline = System.nanoTime() + DAEMON_START_TIMEOUT.toNanos();
        CommandResult info;
        do {
            info = docker("info", "--format", "{{json .RegistryConfig.IndexConfigs}}");
            if (info.stdout().contains("\"" + hostPort + "\"")) {
                return;
            }
            ServerProcess.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("dockerd did not reload daemon.json with " + hostPort + ":\n" + info.describe()
                + "\n" + dockerd.logText());
    }

    private Path containerdSocket() {
        return ContainerClients.containerdSocket(root);
    }

    private void startContainerd() {
        containerd = ServerProcess.start(ContainerClients.containerdCommand(binary("containerd").toString(), root),
                root.resolve("logs/containerd.log"));
        awaitDaemon(containerd, "containerd", () -> attempt("ctr", "version"));
    }

    private void startDockerd() {
        dockerd = ServerProcess.start(ContainerClients.dockerdCommand(binary("dockerd").toString(), root),
                root.resolve("logs/dockerd.log"));
        awaitDaemon(dockerd, "dockerd", () -> attempt("docker", "version"));
    }

    private void awaitDaemon(ServerProcess daemon, String name, Supplier<CommandResult> probe) {
        long deadline = System.nanoTime() + DAEMON_START_TIMEOUT.toNanos();
        CommandResult last = null;
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                throw new AssertionError(name + " exited during start-up:\n" + daemon.logText());
            }
            last = probe.get();
            if (last.exitCode() == 0) {
                return;
            }
            ServerProcess.sleep(100);
        }
        throw new AssertionError(name + " not ready within " + DAEMON_START_TIMEOUT + ":\n" + daemon.logText()
                + (last == null ? "" : "\nlast probe:\n" + last.describe()));
    }

    // ---- processes and files ----

    private Path binary(String client) {
        Path binary = binaries.get(client);
        if (binary == null) {
            throw new IllegalArgumentException("not a lab client: " + client);
        }
        return binary;
    }

    private CommandResult execute(List<String> command, Duration timeout) {
        int number = commandCount.incrementAndGet();
        String stem = "%04d-%s".formatted(number, Path.of(command.getFirst()).getFileName());
        Path out = root.resolve("logs").resolve(stem + ".out");
        Path err = root.resolve("logs").resolve(stem + ".err");
        createDirectories(out.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        // A remote podman connection or another docker context in the caller's environment would bypass the lab.
        builder.environment().keySet().removeAll(List.of(
                "CONTAINER_HOST", "CONTAINER_CONNECTION", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"));
        builder.environment().putAll(environment);
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command + ": " + e, e);
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                CommandResult partial = result(command, -1, out, err, started);
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s:\n" + partial.describe());
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
        return result(command, process.exitValue(), out, err, started);
    }

    private static CommandResult result(List<String> command, int exitCode, Path out, Path err, long startedNanos) {
        return new CommandResult(command, exitCode, read(out), new String(read(err), StandardCharsets.UTF_8),
                Duration.ofNanos(System.nanoTime() - startedNanos));
    }

    /** Ends a command that overran: its own children first (by PID), then the command itself. */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // closing from the hook itself
        }
        if (dockerd != null) {
            dockerd.close();
        }
        if (containerd != null) {
            containerd.close();
        }
        registries.values().forEach(RegistryUnderTest::close);
        if (!Boolean.getBoolean("berth.clients.keepLab") && nothingMountedUnder(root)) {
            deleteRecursively(root);
        }
    }

    /** Never delete through a mount point a daemon may have left behind. */
    private static boolean nothingMountedUnder(Path dir) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" ")[4])
                    .noneMatch(mountPoint -> mountPoint.startsWith(dir.toString()));
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    static void write(Path file, byte[] bytes) {
        createDirectories(file.getParent());
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
