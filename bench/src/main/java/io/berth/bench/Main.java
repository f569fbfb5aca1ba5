package io.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Berth against the reference registry (CNCF Distribution), side by side in one run: machine ceilings, the load
 * generator's own ceiling against an in-process discard server, then every workload on both servers alternating
 * A B B A over the rounds, and the table. Started by bench/run.sh, which builds everything and passes the paths:
 * <pre>
 * java -cp ... io.berth.bench.Main --java JDK/bin/java --berth-jar berth.jar --berth-jvm-opts "..."
 *      --reference /usr/bin/docker-registry --work DIR --out FILE [--short] [--rounds N] [--keep]
 *      [--stores embedded|s3pg] [--nodes N] [--auth]
 * </pre>
 * With --auth, Berth runs with access control on and every request to it carries a Docker registry token
 * ({@link TokenAuth}); the reference and the generator alone get none.
 * Exit status 0 unless something is broken (a server fails to start, a wrong answer); slow numbers never fail it.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        int status;
        try {
            status = new Run(options).run();
        } catch (BenchException e) {
            System.err.println("bench: BROKEN: " + e.getMessage());
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    record Options(boolean quick, int rounds, Path java, Path berthJar, List<String> berthJvmOptions, Path reference,
                   Path work, Path out, boolean keep, boolean generator, boolean generatorOnly, List<String> only,
                   String berthVersion, String stores, int nodes, boolean auth, boolean metricsOffReference) {
        static Options parse(String[] args) {
            boolean quick = false;
            int rounds = 0;
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path berthJar = null;
            String jvm = "";
            Path reference = Path.of("/usr/bin/docker-registry");
            Path work = null;
            Path out = null;
            boolean keep = false;
            boolean generator = true;
            boolean generatorOnly = false;
            List<String> only = List.of("push", "pull", "manifests", "small", "large");
            String version = "";
            String stores = "embedded";
            int nodes = 1;
            boolean auth = false;
            boolean metricsOffReference = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--short" -> quick = true;
                    case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                    case "--java" -> java = Path.of(args[++i]);
                    case "--berth-jar" -> berthJar = Path.of(args[++i]);
                    case "--berth-jvm-opts" -> jvm = args[++i];
                    case "--berth-version" -> version = args[++i];
                    case "--reference" -> reference = Path.of(args[++i]);
                    case "--work" -> work = Path.of(args[++i]);
                    case "--out" -> out = Path.of(args[++i]);
                    case "--keep" -> keep = true;
                    case "--no-generator" -> generator = false;
                    case "--generator-only" -> generatorOnly = true;
                    case "--only" -> only = List.of(args[++i].split(","));
                    case "--stores" -> stores = args[++i];
                    case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                    case "--auth" -> auth = true;
                    case "--metrics-off-reference" -> metricsOffReference = true;
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (berthJar == null || work == null) {
                throw new IllegalArgumentException("--berth-jar and --work are required");
            }
            if (!stores.equals("embedded") && !stores.equals("s3pg")) {
                throw new IllegalArgumentException("--stores is embedded or s3pg, not " + stores);
            }
            if (nodes < 1 || nodes > 8 || (nodes > 1 && !stores.equals("s3pg"))) {
                throw new IllegalArgumentException("--nodes is 1 to 8, and more than 1 only with --stores s3pg");
            }
            List<String> jvmOptions = jvm.isBlank() ? List.of() : Arrays.asList(jvm.trim().split("\\s+"));
            return new Options(quick, rounds, java, berthJar, jvmOptions, reference, work, out, keep, generator || generatorOnly,
                    generatorOnly, only, version, stores, nodes, auth, metricsOffReference);
        }
    }

    private static final class Run {
        private final Options options;
        private final Settings settings;
        private final Results results = new Results();
        private final List<String> notes = new ArrayList<>();
        private final long started = System.nanoTime();
        /** With --stores s3pg: the stores and, with --nodes above 1, the proxy in front of the nodes. */
        private ScaleOutStores scaleOutStores;
        private TcpProxy proxy;
        /** With --auth: the password of Berth's user admin, made for this run (Berth's first start creates admin). */
        private final String adminPassword = randomPassword();

        Run(Options options) {
            this.options = options;
            Settings s = options.quick() ? Settings.quick() : Settings.full();
            this.settings = options.rounds() > 0 ? s.withRounds(options.rounds()) : s;
        }

        int run() throws Exception {
            Files.createDirectories(options.work());
            String loadBefore = loadAverage();
            log("settings: " + settings);
            ceilings();
            Workloads workloads = new Workloads(settings, results);
            try {
                if (options.generator()) {
                    generatorCeiling(workloads);
                }
                if (!options.generatorOnly()) {
                    compare(workloads);
                }
            } finally {
                workloads.close();
            }
            String report = report(loadBefore, loadAverage());
            System.out.println();
            System.out.println(report);
            if (options.out() != null) {
                Files.createDirectories(options.out().toAbsolutePath().getParent());
                Files.writeString(options.out(), report);
                log("table written to " + options.out());
            }
            if (!options.keep()) {
                deleteTree(options.work());
            }
            return 0;
        }

        /** Ceilings at the start; disk and loopback are measured again before each round of push and pull. */
        private void ceilings() throws Exception {
            int repeats = Math.max(1, settings.rounds());
            for (int i = 0; i < repeats; i++) {
                loopbackCeiling();
                results.add(Results.MACHINE, "SHA-256, one core", "MB/s", Ceilings.sha256MBps(settings.sha256Bytes()));
            }
            diskCeiling();
            log("machine ceilings measured");
        }

        private void loopbackCeiling() throws Exception {
            addCeiling("loopback TCP, 1 stream", Ceilings.loopback(settings.loopbackBytes(), 1));
            addCeiling(loopbackCeilingName(), Ceilings.loopback(settings.loopbackBytes(), settings.blobConcurrency()));
        }

        /** A ceiling's rate, and beside it the CPU per GiB it took (the push bound's inputs). */
        private void addCeiling(String name, Ceilings.Rate rate) {
            results.add(Results.MACHINE, name, "MB/s", rate.mbPerSecond());
            results.add(Results.MACHINE, name + ": CPU per GiB", "CPU-s", rate.cpuSecondsPerGiB());
        }

        private String loopbackCeilingName() {
            return "loopback TCP, " + settings.blobConcurrency() + " streams";
        }

        /** The disk ceiling the push target cites: written as a measured push writes, into memory just freed. */
        private String diskCeilingName() {
            return diskCeilingName(true);
        }

        private String diskCeilingName(boolean usedMemory) {
            return "disk write, " + settings.blobConcurrency() + " streams, fsync per blob of "
                    + settings.diskBlobBytes() / (1 << 20) + " MiB, into memory "
                    + (usedMemory ? "just freed" : "not used just before");
        }

        /**
         * Both disk ceilings; the one into memory not used lately first, as it uses up the memory freed before it
         * (and only informs: it shows this VM's cost of backing new pages, which no push measured here pays).
         */
        private void diskCeiling() throws Exception {
            for (boolean usedMemory : new boolean[] {false, true}) {
                addCeiling(diskCeilingName(usedMemory), Ceilings.disk(options.work(), settings.diskBlobs(),
                        settings.diskBlobBytes(), settings.blobConcurrency(), usedMemory));
            }
        }

        /** Every measured push starts with memory just freed, as the disk ceiling it is held to does. */
        private void push(Workloads workloads, Target target, int round, boolean chunked) throws Exception {
            Ceilings.reuseMemory(options.work(), 2L * settings.imageBytes());
            workloads.push(target, round, chunked);
        }

        /**
         * Runs the warm-up workloads against target and forgets the numbers: the JIT of the generator (and of Berth)
         * compiles the hot paths before anything is measured, as in a server that has been up for a while.
         */
        private void warmUp(Target target, DiscardServer discard) throws Exception {
            Workloads warm = new Workloads(Settings.warmUp(), new Results());
            try {
                warm.useDiscardServer(discard);
                warm.prepareManifests(target);
                // Twice through the mix: C2 recompiles what the switch from one workload to the next deoptimized
                // (a JFR recording after one pass still showed 0.5–0.6 CPU-s of compiling in the first measured push).
                // Round numbers from 1000 on, so its repositories and tags never meet the measured rounds'.
                for (int round = 1000; round < 1002; round++) {
                    warm.push(target, round, false);
                    warm.push(target, round, true);
                    warm.pull(target, round, true);
                    warm.pull(target, round, false);
                    warm.manifests(target, round);
                    warm.smallImages(target, round);
                }
            } finally {
                warm.close();
            }
        }

        /**
         * Waits, at most 60 s, until target uses less than 5 % of a core over two seconds in a row: Berth's JIT
         * compiles what the warm-up made hot in the background for a while after it, and a server that has been up
         * for a while has finished doing so. The reference is idle at once.
         */
        private void settle(Target target) throws Exception {
            long deadline = System.nanoTime() + 60_000_000_000L;
            int quietSeconds = 0;
            double before = target.process().cpuSeconds();
            while (quietSeconds < 2 && System.nanoTime() < deadline) {
                Thread.sleep(1000);
                double now = target.process().cpuSeconds();
                quietSeconds = now - before < 0.05 ? quietSeconds + 1 : 0;
                before = now;
            }
            log(target.label() + " idle after the warm-up (" + Math.round(60 - (deadline - System.nanoTime()) / 1e9) + " s)");
        }

        /** The same workloads against a server that does nothing: what the generator can drive here. */
        private void generatorCeiling(Workloads workloads) throws Exception {
            try (DiscardServer discard = new DiscardServer(Runtime.getRuntime().availableProcessors())) {
                workloads.useDiscardServer(discard);
                Target target = new Target(Results.GENERATOR, discard.port(), null);
                if (!options.quick()) {
                    warmUp(target, discard);
                }
                if (runs("manifests")) {
                    workloads.prepareManifests(target);
                }
                discard.catalogSize(settings.smallRepositories() * 2);
                for (int round = 1; round <= settings.rounds(); round++) {
                    if (runs("push") || runs("pull")) {
                        workloads.push(target, round, false);
                        workloads.push(target, round, true);
                        workloads.pull(target, round, true);
                        workloads.pull(target, round, false);
                    }
                    if (runs("manifests")) {
                        workloads.manifests(target, round);
                    }
                    if (runs("small")) {
                        workloads.smallImages(target, round);
                    }
                }
            } finally {
                workloads.useDiscardServer(null);
            }
            log("generator ceiling measured against the discard server");
        }

        private void compare(Workloads workloads) throws Exception {
            Target berth = null;
            Target reference = null;
            try {
                primeClassDataArchive();
                berth = startBerth(options.work().resolve("berth"));
                results.add(berth.label(), "startup: ready after start, empty data", "s", berth.process().readySeconds());
                results.add(berth.label(), "startup: CPU used until ready, empty data", "CPU-s", berth.process().readyCpuSeconds());
                reference = startReference(options.work().resolve("reference"));
                results.add(reference.label(), "startup: ready after start, empty data", "s", reference.process().readySeconds());
                results.add(reference.label(), "startup: CPU used until ready, empty data", "CPU-s",
                        reference.process().readyCpuSeconds());
                log("berth pid " + berth.process().pid() + " on port " + berth.port() + ", reference pid "
                        + reference.process().pid() + " on port " + reference.port());
                List<Target> ab = List.of(berth, reference);
                List<Target> ba = List.of(reference, berth);
                if (!options.quick()) {
                    for (Target t : ab) {
                        warmUp(t, null);
                    }
                    for (Target t : ab) {
                        settle(t);
                    }
                    log("warmed up both servers (warm-up workloads, not measured)");
                }

                for (int round = 1; round <= settings.rounds() && (runs("push") || runs("pull")); round++) {
                    List<Target> order = round % 2 == 1 ? ab : ba;
                    // The disk and loopback are shared with whatever else runs on the machine: measure their
                    // ceilings again next to the workloads they bound.
                    diskCeiling();
                    loopbackCeiling();
                    for (Target t : order) {
                        push(workloads, t, round, false);
                    }
                    for (Target t : reversed(order)) {
                        push(workloads, t, round, true);
                    }
                    for (Target t : order) {
                        workloads.pull(t, round, true);
                    }
                    for (Target t : reversed(order)) {
                        workloads.pull(t, round, false);
                    }
                    log("round " + round + ": push and pull done");
                }
                if (runs("manifests")) {
                    for (Target t : ab) {
                        workloads.prepareManifests(t);
                    }
                    for (int round = 1; round <= settings.rounds(); round++) {
                        for (Target t : round % 2 == 1 ? ab : ba) {
                            workloads.manifests(t, round);
                        }
                    }
                    log("manifests done");
                }
                if (runs("small")) {
                    for (int round = 1; round <= settings.rounds(); round++) {
                        for (Target t : round % 2 == 1 ? ab : ba) {
                            workloads.smallImages(t, round);
                        }
                    }
                    log("small images done");
                }
                if (runs("large")) {
                    for (Target t : ab) {
                        workloads.prepareLarge(t);
                        log("large catalog created on " + t);
                    }
                    for (int round = 1; round <= settings.rounds(); round++) {
                        for (Target t : round % 2 == 1 ? ab : ba) {
                            workloads.largeCatalog(t, round);
                        }
                    }
                    log("large catalog done");
                }
                for (Target t : ab) {
                    results.add(t.label(), "server peak RSS over the whole run", "MiB", t.notePeak());
                }
                if (berth.auth() != null) {
                    notes.add("token auth: " + berth.auth().fetched() + " tokens fetched from Berth (" + berth.auth().describe()
                            + ")");
                }
                if (scaleOut()) {
                    notes.add("no restart measurements with --stores s3pg");
                } else {
                    berth = restart(berth, "berth");
                    reference = restart(reference, "reference");
                }
            } finally {
                if (berth != null) {
                    for (ServerProcess node : berth.nodes()) {
                        node.close();
                    }
                    if (berth.auth() != null) {
                        berth.auth().close();
                    }
                }
                if (proxy != null) {
                    proxy.close();
                }
                if (scaleOutStores != null) {
                    scaleOutStores.close();
                }
                if (reference != null) {
                    reference.process().close();
                }
            }
        }

        private boolean runs(String workload) {
            return options.only().contains(workload);
        }

        private static List<Target> reversed(List<Target> order) {
            return List.of(order.get(1), order.get(0));
        }

        private boolean scaleOut() {
            return options.stores().equals("s3pg");
        }

        /**
         * With --stores s3pg: S3Proxy and PostgreSQL, then options.nodes() Berth nodes configured for them (data
         * directories of their own for what stays local), behind a round-robin TCP proxy when more than one.
         */
        private Target startScaleOutBerth(Path dir) throws Exception {
            scaleOutStores = ScaleOutStores.start(options.java(), dir);
            log("stores: " + scaleOutStores.describe());
            Path config = scaleOutStores.writeConfig(dir.resolve("berth.yaml"), 8);
            List<ServerProcess> nodes = new ArrayList<>();
            try {
                for (int i = 1; i <= options.nodes(); i++) {
                    Path data = Files.createDirectories(dir.resolve("node" + i));
                    int port = ServerProcess.freePort();
                    nodes.add(ServerProcess.start("berth node " + i, ServerProcess.berthCommand(options.java(),
                            options.berthJvmOptions(), options.berthJar(), port, data, config),
                            berthEnvironment(dir.resolve("token-key.json")), dir.resolve("node" + i + ".log"), port,
                            readyStatus(), 90));
                }
            } catch (Exception e) {
                nodes.forEach(ServerProcess::close);
                throw e;
            }
            int port = nodes.get(0).port();
            if (nodes.size() > 1) {
                proxy = new TcpProxy(nodes.stream().map(ServerProcess::port).toList());
                port = proxy.port();
                log("round-robin TCP proxy on port " + port + " in front of nodes on ports "
                        + nodes.stream().map(n -> Integer.toString(n.port())).toList());
            }
            try {
                return new Target(Results.BERTH, port, nodes, List.of(new ServerProcess.Pid(scaleOutStores.s3proxyPid())),
                        tokenAuth(port));
            } catch (Exception e) {
                nodes.forEach(ServerProcess::close);
                throw e;
            }
        }

        /**
         * The launcher's JVM options make the class-data archive at the end of Berth's first run after a build and use
         * it from then on, as a user's `./berth` does. The measured starts are such later starts; the first one, with
         * no archive yet (the bench's copy of the jar gets an archive of its own), is started here on a data
         * directory of its own, stopped, and reported as a row of its own.
         */
        private void primeClassDataArchive() throws Exception {
            Path archive = null;
            for (String option : options.berthJvmOptions()) {
                if (option.startsWith("-XX:SharedArchiveFile=")) {
                    archive = Path.of(option.substring("-XX:SharedArchiveFile=".length()));
                }
            }
            if (archive == null || Files.exists(archive)) {
                return;
            }
            // Always an embedded Berth (also with --stores s3pg: its nodes then share one finished archive instead of
            // each writing the same file at exit).
            Path data = options.work().resolve("berth-first-start");
            Files.createDirectories(data);
            int port = ServerProcess.freePort();
            try (ServerProcess first = ServerProcess.start("berth", ServerProcess.berthCommand(options.java(),
                    options.berthJvmOptions(), options.berthJar(), port, data), berthEnvironment(null),
                    data.resolveSibling("berth-first-start.log"), port, readyStatus(), 60)) {
                results.add(Results.BERTH, "startup: first start after a build (no class-data archive yet), empty data",
                        "s", first.readySeconds());
            }
            if (!Files.exists(archive)) {
                log("warning: Berth's first start wrote no class-data archive at " + archive);
            }
        }

        private Target startBerth(Path data) throws Exception {
            if (scaleOut()) {
                return startScaleOutBerth(data);
            }
            Files.createDirectories(data);
            int port = ServerProcess.freePort();
            ServerProcess p = ServerProcess.start("berth", ServerProcess.berthCommand(options.java(),
                    options.berthJvmOptions(), options.berthJar(), port, data), berthEnvironment(null),
                    data.resolveSibling("berth.log"), port, readyStatus(), 60);
            try {
                return new Target(Results.BERTH, port, List.of(p), List.of(), tokenAuth(port));
            } catch (Exception e) {
                p.close();
                throw e;
            }
        }

        /**
         * Berth's environment beyond the launcher's: with --auth, access control on and the admin's password (for the
         * first start; later starts find the user); keyFile, when not null, is the token signing key all nodes share.
         */
        private Map<String, String> berthEnvironment(Path keyFile) {
            if (!options.auth()) {
                return Map.of();
            }
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("BERTH_AUTH_ENABLED", "true");
            environment.put("BERTH_ADMIN_PASSWORD", adminPassword);
            if (keyFile != null) {
                environment.put("BERTH_AUTH_KEY_FILE", keyFile.toString());
            }
            return environment;
        }

        /** GET /v2/ answers 401 (the Bearer challenge) once a Berth with access control is up. */
        private int readyStatus() {
            return options.auth() ? 401 : 200;
        }

        /** With --auth, the token source for requests to Berth on port (realm and service from its challenge). */
        private TokenAuth tokenAuth(int port) throws Exception {
            if (!options.auth()) {
                return null;
            }
            TokenAuth auth = TokenAuth.discover(port, "admin", adminPassword);
            log("token auth on Berth: " + auth.describe());
            return auth;
        }

        private Target startReference(Path dir) throws Exception {
            int port = ServerProcess.freePort();
            if (options.metricsOffReference()) {
                // The same Berth with metrics.enabled false, so the ratios are what metrics cost.
                Files.createDirectories(dir);
                Map<String, String> environment = new LinkedHashMap<>(berthEnvironment(null));
                environment.put("BERTH_METRICS_ENABLED", "false");
                ServerProcess p = ServerProcess.start("reference", ServerProcess.berthCommand(options.java(),
                        options.berthJvmOptions(), options.berthJar(), port, dir), environment,
                        dir.resolve("berth.log"), port, readyStatus(), 60);
                return new Target(Results.REFERENCE, port, List.of(p), List.of(), tokenAuth(port));
            }
            ServerProcess p = ServerProcess.start("reference", ServerProcess.referenceCommand(options.reference(), port, dir),
                    dir.resolve("registry.log"), port, 60);
            return new Target(Results.REFERENCE, port, p);
        }

        /** Stops a server by PID and starts it again on its data, measuring how soon it answers. */
        private Target restart(Target target, String which) throws Exception {
            target.process().close();
            if (target.auth() != null) {
                target.auth().close();
            }
            Target again = which.equals("berth")
                    ? startBerth(options.work().resolve("berth"))
                    : startReference(options.work().resolve("reference"));
            results.add(again.label(), "startup: ready after restart with the run's data", "s", again.process().readySeconds());
            results.add(again.label(), "startup: CPU used until ready, restart with data", "CPU-s",
                    again.process().readyCpuSeconds());
            results.add(again.label(), "startup: RSS when ready", "MiB", again.process().rssMiB());
            return again;
        }

        private String report(String loadBefore, String loadAfter) {
            StringBuilder out = new StringBuilder();
            String when = DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0));
            out.append("## Berth vs reference registry, ").append(when).append(" UTC\n\n");
            out.append("- mode: ").append(options.quick() ? "short (smoke test: tiny sizes, numbers mean nothing)" : "full")
                    .append(", rounds: ").append(settings.rounds()).append(" (A B, B A, ...)\n");
            out.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                    .append(cpuModel()).append(", load average before ").append(loadBefore).append(", after ")
                    .append(loadAfter).append('\n');
            out.append("- Berth: ").append(options.berthVersion()).append(", JVM options ")
                    .append(String.join(" ", options.berthJvmOptions())).append(" (").append(javaVersion()).append(")\n");
            if (scaleOut()) {
                out.append("- **Berth column: Berth on S3 + PostgreSQL** (`--stores s3pg`), ").append(options.nodes())
                        .append(options.nodes() == 1 ? " node" : " nodes behind a round-robin TCP proxy in the generator's JVM"
                                + " (one node per connection; the proxy's CPU counts as the generator's)")
                        .append("; stores: ").append(scaleOutStores == null ? "?" : scaleOutStores.describe())
                        .append(", all on the same cores. Server CPU is summed over the Berth nodes (S3Proxy's is shown"
                                + " apart; PostgreSQL's is not counted); server peak RSS is node 1's\n");
            }
            if (options.auth()) {
                out.append("- **Berth with token auth (auth.enabled=true), reference without auth** (`--auth`): every request"
                        + " of the generator to Berth carries a Docker registry token (Bearer), fetched as docker does from"
                        + " Berth's token endpoint with the admin's Basic credentials, one per repository (with pull on the"
                        + " source for mounts), cached and fetched again after half its lifetime; the fetches are part of"
                        + " the phases that need them. Distribution 2.8 has no token server of its own: the reference and"
                        + " the generator alone get no Authorization header\n");
            }
            if (options.metricsOffReference()) {
                out.append("- **reference column: the same Berth with metrics.enabled=false** (`--metrics-off-reference`);"
                        + " the Berth column has metrics on (the default), so each ratio is what metrics cost\n");
            } else {
                out.append("- reference: ").append(options.reference()).append(" (").append(referenceVersion()).append(")\n");
            }
            out.append("- generator alone: the same workload against an in-process server that discards uploads and serves "
                    + "from memory, on the same cores (a lower bound of what the load generator can drive)\n");
            out.append(String.format(Locale.ROOT, "- run took %.0f s%n", (System.nanoTime() - started) / 1e9));
            for (String note : notes) {
                out.append("- ").append(note).append('\n');
            }
            out.append("\n### Machine ceilings (same run)\n\n").append(results.machine());
            out.append("\n### Side by side (medians over rounds)\n\n").append(results.sideBySide());
            out.append("\n### Targets (ratios Berth/reference, same run)\n\n").append(targets());
            return out.toString();
        }

        private String targets() {
            StringBuilder out = new StringBuilder("| target | measured | verdict |\n|---|---|---|\n");
            String push = "push monolithic (" + settings.layers() + " x " + settings.layerBytes() / (1 << 20) + " MiB, "
                    + settings.blobConcurrency() + " at a time): MB/s";
            String pushChunked = push.replace("push monolithic", "push chunked");
            String disk = diskCeilingName();
            for (String p : List.of(push, pushChunked)) {
                ratioOrCeiling(out, p, 2.0, disk, 0.80);
            }
            pushBound(out, push, pushChunked);
            String pull = "pull verifying digests (" + settings.blobConcurrency() + " blobs at a time): MB/s";
            String pullRaw = "pull without verifying (" + settings.blobConcurrency() + " blobs at a time): MB/s";
            String loopback = maxCeiling("loopback TCP, 1 stream", loopbackCeilingName());
            ratioOrCeiling(out, pullRaw, 1.5, loopback, 0.85);
            generatorShare(out, pullRaw);
            // The issue sets the pull target for a client that does not verify; the verifying pull only informs.
            OptionalDouble verifyingBerth = results.median(Results.BERTH, pull);
            OptionalDouble verifyingReference = results.median(Results.REFERENCE, pull);
            if (verifyingBerth.isPresent() && verifyingReference.isPresent()) {
                out.append(String.format(Locale.ROOT, "| (for reference) %s: Berth/ref (no target: the client's "
                        + "SHA-256 on the shared cores bounds it) | %.2fx | information |%n", pull,
                        verifyingBerth.getAsDouble() / verifyingReference.getAsDouble()));
            }
            generatorShare(out, pull);
            String manifests = "manifests GET+HEAD by tag (" + settings.manifestConnections() + " connections)";
            ratio(out, manifests + ": requests/s", 10, true);
            ratio(out, manifests + ": p99 latency", 0.2, false);
            ratio(out, "small images (" + settings.smallRepositories() + " repos x " + settings.smallTags() + " tags, "
                    + settings.workers() + " at a time): images/s", 3, true);
            String smallCatalog = "catalog after small images (n=" + settings.catalogPageSize() + ")";
            String largeCatalog = "large catalog (n=" + settings.catalogPageSize() + ")";
            ratio(out, smallCatalog + ": pages/s", 20, true);
            ratio(out, largeCatalog + ": pages/s", 20, true);
            ratio(out, "tag list of every repository (4 at a time): tag lists/s", 5, true);
            ratio(out, "tag list of a repository with " + settings.largeTags() + " tags: tag lists/s", 5, true);
            OptionalDouble small = results.median(Results.BERTH, smallCatalog + ": time per page");
            OptionalDouble large = results.median(Results.BERTH, largeCatalog + ": time per page");
            if (small.isPresent() && large.isPresent()) {
                double r = large.getAsDouble() / small.getAsDouble();
                out.append(String.format(Locale.ROOT, "| Berth catalog per page at %,d repos as fast as after small images "
                                + "| %.2f ms vs %.2f ms (%.2fx) | %s |%n", settings.largeRepositories(), large.getAsDouble(),
                        small.getAsDouble(), r, r <= 1.25 ? "met (within 25%)" : "missed"));
            }
            OptionalDouble rss = results.median(Results.BERTH, "server peak RSS over the whole run");
            if (rss.isPresent()) {
                out.append(String.format(Locale.ROOT, "| Berth peak RSS ≤ 400 MB (launcher's default JVM options) | %.0f MiB "
                        + "(%.0f MB) | %s |%n", rss.getAsDouble(), rss.getAsDouble() * 1.048576,
                        rss.getAsDouble() * 1.048576 <= 400 ? "met" : "missed"));
            }
            // The start-up target is the embedded store's; a node on S3 + PostgreSQL also waits for both at start.
            for (String s : scaleOut() ? List.<String>of()
                    : List.of("startup: ready after start, empty data", "startup: ready after restart with the run's data")) {
                OptionalDouble ready = results.median(Results.BERTH, s);
                if (ready.isPresent()) {
                    out.append(String.format(Locale.ROOT, "| Berth %s ≤ 2 s | %.2f s | %s |%n", s.substring(9),
                            ready.getAsDouble(), ready.getAsDouble() <= 2 ? "met" : "missed"));
                }
            }
            return out.toString();
        }

        /**
         * What a push can reach when the cores are the limit: a pushed byte crosses loopback (the sender's and the
         * receiver's CPU), is hashed once and written as the disk ceiling writes it; the CPU per GiB of each was
         * measured with its ceiling. The bound is the cores divided by their sum. It leaves out everything else a
         * server does (HTTP, the event loop, metadata), so no server reaches it.
         */
        private void pushBound(StringBuilder out, String... pushes) {
            OptionalDouble disk = results.median(Results.MACHINE, diskCeilingName() + ": CPU per GiB");
            OptionalDouble loopback = results.median(Results.MACHINE, loopbackCeilingName() + ": CPU per GiB");
            OptionalDouble sha = results.median(Results.MACHINE, "SHA-256, one core");
            if (disk.isEmpty() || loopback.isEmpty() || sha.isEmpty()) {
                return;
            }
            double shaCpuPerGiB = (1L << 30) / 1e6 / sha.getAsDouble();
            int cores = Runtime.getRuntime().availableProcessors();
            double bound = cores * (1L << 30) / 1e6 / (disk.getAsDouble() + loopback.getAsDouble() + shaCpuPerGiB);
            for (String p : pushes) {
                OptionalDouble b = results.median(Results.BERTH, p);
                OptionalDouble r = results.median(Results.REFERENCE, p);
                if (b.isPresent() && r.isPresent()) {
                    out.append(String.format(Locale.ROOT, "| (for reference) %s: share of the CPU bound of %d cores "
                                    + "(%s MB/s: per GiB %.2f CPU-s disk write + %.2f loopback + %.2f SHA-256) | "
                                    + "Berth %.0f%%, reference %.0f%% | information |%n", p, cores, Results.format(bound),
                            disk.getAsDouble(), loopback.getAsDouble(), shaCpuPerGiB, 100 * b.getAsDouble() / bound,
                            100 * r.getAsDouble() / bound));
                }
            }
        }

        /** Berth's median of metric as a share of the generator's own run against the stand-in (an information row). */
        private void generatorShare(StringBuilder out, String metric) {
            OptionalDouble b = results.median(Results.BERTH, metric);
            OptionalDouble g = results.median(Results.GENERATOR, metric);
            if (b.isPresent() && g.isPresent()) {
                out.append(String.format(Locale.ROOT, "| (for reference) %s: Berth as a share of the generator alone "
                        + "(same client work, server serving from memory) | %.0f%% of %s MB/s | information |%n",
                        metric, 100 * b.getAsDouble() / g.getAsDouble(), Results.format(g.getAsDouble())));
            }
        }

        private String maxCeiling(String a, String b) {
            double va = results.median(Results.MACHINE, a).orElse(0);
            double vb = results.median(Results.MACHINE, b).orElse(0);
            return va >= vb ? a : b;
        }

        private void ratio(StringBuilder out, String metric, double target, boolean higherIsBetter) {
            OptionalDouble b = results.median(Results.BERTH, metric);
            OptionalDouble r = results.median(Results.REFERENCE, metric);
            if (b.isEmpty() || r.isEmpty() || r.getAsDouble() == 0) {
                return;
            }
            double ratio = b.getAsDouble() / r.getAsDouble();
            boolean met = higherIsBetter ? ratio >= target : ratio <= target;
            out.append(String.format(Locale.ROOT, "| %s: Berth/ref %s %s | %s vs %s = %.2fx | %s |%n", metric,
                    higherIsBetter ? "≥" : "≤", Results.format(target), Results.format(b.getAsDouble()),
                    Results.format(r.getAsDouble()), ratio, met ? "met" : "missed"));
        }

        private void ratioOrCeiling(StringBuilder out, String metric, double target, String ceiling, double share) {
            OptionalDouble b = results.median(Results.BERTH, metric);
            OptionalDouble r = results.median(Results.REFERENCE, metric);
            OptionalDouble c = results.median(Results.MACHINE, ceiling);
            if (b.isEmpty() || r.isEmpty() || c.isEmpty()) {
                return;
            }
            double ratio = b.getAsDouble() / r.getAsDouble();
            double ofCeiling = b.getAsDouble() / c.getAsDouble();
            boolean met = ratio >= target || ofCeiling >= share;
            out.append(String.format(Locale.ROOT, "| %s: ≥ %sx reference or ≥ %.0f%% of %s | %.2fx, %.0f%% of %s MB/s | %s |%n",
                    metric, Results.format(target), share * 100, ceiling, ratio, ofCeiling * 100,
                    Results.format(c.getAsDouble()), met ? "met" : "missed"));
        }

        private String javaVersion() {
            try {
                Process p = new ProcessBuilder(options.java().toString(), "-version").redirectErrorStream(true).start();
                String text = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("");
                p.waitFor();
                return text.trim();
            } catch (IOException | InterruptedException e) {
                return "java version unknown";
            }
        }

        private String referenceVersion() {
            try {
                Process p = new ProcessBuilder(options.reference().toString(), "--version").redirectErrorStream(true).start();
                String text = new String(p.getInputStream().readAllBytes()).trim();
                p.waitFor();
                return text;
            } catch (IOException | InterruptedException e) {
                return "version unknown";
            }
        }

        private void log(String message) {
            System.out.printf(Locale.ROOT, "bench: [%6.1f s] %s%n", (System.nanoTime() - started) / 1e9, message);
        }
    }

    /** 24 random bytes in URL-safe base64: 32 characters, within bcrypt's 72 bytes. */
    static String randomPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
