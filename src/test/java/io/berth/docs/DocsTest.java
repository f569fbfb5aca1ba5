package io.berth.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.testing.Ports;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every command of README.md and docs/**.md for real, so the docs cannot drift from what Berth does.
 *
 * <p>Each page's {@code ```sh} blocks run in order as one bash script ({@code set -euo pipefail}) in a fresh sandbox
 * folder, against real Berth servers that the page's own {@code ./berth serve} lines start; {@code ./berth} there is a
 * launcher of the classes under test. The only changes to the text are in {@link DocScript}: absolute paths move into
 * the sandbox ({@link DocScript#PATHS}) and the docs' ports become free ports ({@link DocScript#PORTS}); the default
 * port reaches a plain {@code ./berth serve} through {@code BERTH_HTTP_LISTEN}; the scale-out examples' S3 endpoint
 * and PostgreSQL address become a real S3 API server and PostgreSQL ({@link ScaleOutServices}). docker, podman and
 * skopeo run against a private dockerd and vfs storage ({@link ClientSandbox}). Blocks marked {@code ```sh no-run: why} are counted and
 * listed. A block that needs a tool this machine lacks fails the test, unless {@code -Dberth.docs.allowMissingTools=true}
 * (then it and the rest of its page are reported as not run).
 */
class DocsTest {
    private static final Pattern TOOL = Pattern.compile(
            "(?m)(?:^|[|;&(]|\\$\\()\\s*(?:[A-Za-z_][A-Za-z0-9_]*=\\S+\\s+)*(docker-registry|docker|podman|skopeo|umoci|sqlite3|openssl|curl|tar)\\b");
    private static final Duration PAGE_TIMEOUT = Duration.ofMinutes(12);

    private final Path root = Path.of("").toAbsolutePath();

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void everyCommandInTheDocsRuns() throws IOException {
        long started = System.nanoTime();
        boolean allowMissingTools = Boolean.getBoolean("berth.docs.allowMissingTools");
        List<String> failures = new ArrayList<>();
        List<String> notRun = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        int run = 0;
        Path work = Files.createTempDirectory("berth-docs-");
        try (ClientSandbox clients = new ClientSandbox(work.resolve("clients"));
             ScaleOutServices services = new ScaleOutServices()) {
            for (Path page : pages()) {
                List<DocBlock> blocks = DocBlock.parse(page);
                blocks.stream().filter(b -> b.noRunReason() != null)
                        .forEach(b -> notRun.add(b.where(root) + " (" + b.noRunReason() + ")"));
                List<DocBlock> runnable = new ArrayList<>();
                for (DocBlock block : blocks.stream().filter(DocBlock::runs).toList()) {
                    Set<String> absent = absentTools(block);
                    if (!absent.isEmpty()) {
                        String message = block.where(root) + " needs " + absent + ", not installed here";
                        if (!allowMissingTools) {
                            failures.add(message + " (the CI machine has them; -Dberth.docs.allowMissingTools=true to "
                                    + "report such blocks instead of failing)");
                        }
                        missing.add(message + "; it and the page's later blocks were not run");
                        break;
                    }
                    runnable.add(block);
                }
                if (runnable.isEmpty()) {
                    continue;
                }
                if (runnable.stream().anyMatch(b -> tools(b).contains("docker"))) {
                    clients.startDocker();
                }
                if (runnable.stream().anyMatch(DocScript::needsServices)) {
                    services.start();
                }
                String failure = runPage(page, runnable, work.resolve(Integer.toString(run)), clients, services);
                run += runnable.size();
                if (failure != null) {
                    failures.add(failure);
                }
            }
        } finally {
            if (!Boolean.getBoolean("berth.docs.keep")) {
                deleteTree(work);
            }
        }
        System.out.printf("DocsTest: %d blocks run, %d marked no-run, %d not run for a missing tool; %.1f s%n",
                run, notRun.size(), missing.size(), (System.nanoTime() - started) / 1e9);
        notRun.forEach(b -> System.out.println("  no-run: " + b));
        missing.forEach(b -> System.out.println("  MISSING TOOL: " + b));
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
        assertTrue(run > 0, "no runnable block found");
    }

    private List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** Runs a page's blocks as one script in a fresh sandbox; null when they all succeeded, else what failed. */
    private String runPage(Path page, List<DocBlock> blocks, Path sandbox, ClientSandbox clients, ScaleOutServices services)
            throws IOException {
        Files.createDirectories(sandbox.resolve(".docs"));
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        DocScript.PORTS.forEach(p -> ports.put(p, portBelowEphemeralRange()));
        writeLauncher(sandbox.resolve("berth"));
        Path script = sandbox.resolve(".docs/script.sh");
        Files.writeString(script, new DocScript(sandbox, ports, services.substitutions()).script(root, blocks));
        Path output = sandbox.resolve(".docs/output.log");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).directory(sandbox.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("BERTH_") || List.of("CONTAINER_HOST", "CONTAINER_CONNECTION",
                "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH").contains(k));
        env.putAll(clients.environment());
        env.putAll(services.environment());
        env.put("DOCS_SANDBOX", sandbox.toString());
        env.put("BERTH_HTTP_LISTEN", "127.0.0.1:" + ports.get(5000));
        env.put("TMPDIR", Files.createDirectories(sandbox.resolve(".docs/tmp")).toString());
        env.put("HOME", Files.createDirectories(sandbox.resolve(".docs/home")).toString()); // berth login writes there
        long started = System.nanoTime();
        Process bash = builder.start();
        try {
            boolean finished = bash.waitFor(PAGE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (!finished) {
                bash.destroyForcibly();
                bash.waitFor(10, TimeUnit.SECONDS);
            }
            String out = Files.readString(output);
            System.out.printf("DocsTest: %s: %d blocks, %.1f s%n", root.relativize(page), blocks.size(),
                    (System.nanoTime() - started) / 1e9);
            if (finished && bash.exitValue() == 0) {
                return null;
            }
            return "%s failed (%s) in the block at %s; the end of its output:%n%s".formatted(root.relativize(page),
                    finished ? "exit " + bash.exitValue() : "timed out after " + PAGE_TIMEOUT, lastMarker(out), tail(out, 60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            stopServers(sandbox.resolve(".docs/pids"));
        }
    }

    /**
     * A free loopback port below the kernel's ephemeral range (32768 and up): a page may use its ports a minute after
     * they are chosen, and in between any outgoing connection on the machine could take an ephemeral one.
     */
    private static int portBelowEphemeralRange() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        return Ports.freePort();
    }

    /** ./berth in the sandbox: the command line of the classes under test, as the launcher runs the jar. */
    private static void writeLauncher(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(file, "#!/usr/bin/env bash\nexec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
                + "-Xmx256m --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path")
                + "' io.berth.cli.Main \"$@\"\n");
        assertTrue(file.toFile().setExecutable(true));
    }

    /** Ends the servers the page started, by the PIDs berth_docs_serve recorded. */
    private static void stopServers(Path pids) throws IOException {
        if (!Files.isDirectory(pids)) {
            return;
        }
        try (Stream<Path> files = Files.list(pids)) {
            for (Path pidFile : files.toList()) {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroy();
                    try {
                        p.onExit().get(15, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        p.destroyForcibly();
                    }
                });
            }
        }
    }

    private static Set<String> tools(DocBlock block) {
        Set<String> tools = new TreeSet<>();
        Matcher m = TOOL.matcher(block.text());
        while (m.find()) {
            tools.add(m.group(1));
        }
        return tools;
    }

    private static Set<String> absentTools(DocBlock block) {
        Set<String> absent = new TreeSet<>();
        for (String tool : tools(block)) {
            boolean found = Stream.of(System.getenv("PATH").split(File.pathSeparator))
                    .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
            if (!found) {
                absent.add(tool);
            }
        }
        if (absent.isEmpty() && tools(block).contains("docker")
                && !Files.isExecutable(Path.of("/usr/sbin/dockerd")) && !Files.isExecutable(Path.of("/usr/bin/dockerd"))) {
            absent.add("dockerd");
        }
        return absent;
    }

    private static String lastMarker(String out) {
        int at = out.lastIndexOf(">>> ");
        return at < 0 ? "(the prelude)" : out.substring(at + 4, out.indexOf('\n', at) < 0 ? out.length() : out.indexOf('\n', at));
    }

    private static String tail(String out, int lines) {
        List<String> all = out.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // vfs layers of podman may hold read-only directories; leave what cannot go
                }
            }
        } catch (UncheckedIOException e) {
            // a file vanished while walking
        }
    }
}
