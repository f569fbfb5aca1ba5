package io.berth.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A registry server process this benchmark started: its PID, how long it took to answer, and its CPU time and
 * resident memory read from /proc. It is stopped by PID (SIGTERM, then SIGKILL after 15 s).
 */
final class ServerProcess implements AutoCloseable {
    /** Clock ticks per second of /proc/PID/stat times (USER_HZ; 100 on every Linux we run on). */
    private static final double TICKS_PER_SECOND = 100.0;

    private final String name;
    private final Process process;
    private final int port;
    private final double readySeconds;
    private double readyCpuSeconds;

    private ServerProcess(String name, Process process, int port, double readySeconds) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.readySeconds = readySeconds;
    }

    /** Starts command, writing its output to log, and waits until GET /v2/ on port answers 200. */
    static ServerProcess start(String name, List<String> command, Path log, int port, double readyTimeoutSeconds)
            throws IOException, InterruptedException {
        return start(name, command, Map.of(), log, port, 200, readyTimeoutSeconds);
    }

    /**
     * Starts command with environment added to the caller's (whose BERTH_* variables are removed), writing its output
     * to log, and waits until GET /v2/ on port answers readyStatus (401 for a server with access control).
     */
    static ServerProcess start(String name, List<String> command, Map<String, String> environment, Path log, int port,
                               int readyStatus, double readyTimeoutSeconds) throws IOException, InterruptedException {
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // Both servers run on their defaults plus what this benchmark sets: no BERTH_* overrides from the caller.
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        long deadline = started + (long) (readyTimeoutSeconds * 1e9);
        while (true) {
            if (answers(port, readyStatus)) {
                double ready = (System.nanoTime() - started) / 1e9;
                ServerProcess server = new ServerProcess(name, process, port, ready);
                server.readyCpuSeconds = server.cpuSeconds();
                return server;
            }
            if (!process.isAlive()) {
                throw new IOException(name + " exited with status " + process.exitValue() + " before answering; see " + log);
            }
            if (System.nanoTime() > deadline) {
                stop(process);
                throw new IOException(name + " did not answer GET /v2/ with " + readyStatus + " within "
                        + readyTimeoutSeconds + " s; see " + log);
            }
            Thread.sleep(5);
        }
    }

    /** True when GET /v2/ answers status (a fresh connection each time; refused means not yet). */
    private static boolean answers(int port, int status) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = new byte[12];
            int read = in.readNBytes(head, 0, head.length);
            return read == 12 && new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 " + status);
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    double readySeconds() {
        return readySeconds;
    }

    /** CPU seconds the process had used when it first answered: start-up cost independent of the machine's load. */
    double readyCpuSeconds() {
        return readyCpuSeconds;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** A process this benchmark started some other way (S3Proxy), for its CPU time. */
    record Pid(long pid) {
        double cpuSeconds() throws IOException {
            return ServerProcess.cpuSeconds(pid);
        }
    }

    /** CPU time (user + system) the process has used so far, in seconds. */
    double cpuSeconds() throws IOException {
        return cpuSeconds(pid());
    }

    static double cpuSeconds(long pid) throws IOException {
        String[] fields = statFields(pid);
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) / TICKS_PER_SECOND;
    }

    /** CPU time the process has spent in the kernel so far (system time: socket, file and page-cache work), in seconds. */
    double kernelCpuSeconds() throws IOException {
        return Long.parseLong(statFields(pid())[12]) / TICKS_PER_SECOND;
    }

    private static String[] statFields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name (which may hold spaces) start after the last ')'.
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** Peak resident set size (VmHWM) since start or the last {@link #resetPeakRss}, in MiB. */
    double peakRssMiB() throws IOException {
        return statusKiB("VmHWM:") / 1024.0;
    }

    double rssMiB() throws IOException {
        return statusKiB("VmRSS:") / 1024.0;
    }

    /** Resets VmHWM to the current RSS (Linux clear_refs "5"); false when the kernel does not allow it. */
    boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid()), "clear_refs"), "5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private long statusKiB(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + key + " in /proc/" + pid() + "/status");
    }

    @Override
    public void close() {
        stop(process);
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The command line of a Berth server: the launcher's JVM options, the jar, serve on port with data in dir. */
    static List<String> berthCommand(Path java, List<String> jvmOptions, Path jar, int port, Path data) {
        return berthCommand(java, jvmOptions, jar, port, data, null);
    }

    /** The same with --config FILE (a node on S3 and PostgreSQL) when config is not null. */
    static List<String> berthCommand(Path java, List<String> jvmOptions, Path jar, int port, Path data, Path config) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "serve", "--listen", "127.0.0.1:" + port, "--data", data.toString()));
        if (config != null) {
            command.addAll(List.of("--config", config.toString()));
        }
        return command;
    }

    /**
     * The reference registry's configuration: that of the tests' ReferenceRegistry (filesystem storage, deletes on,
     * access log on, upload purging off) plus the in-memory blob descriptor cache of Debian's default configuration,
     * Berth also keeping caches of its own.
     */
    static List<String> referenceCommand(Path binary, int port, Path dir) throws IOException {
        Path config = dir.resolve("config.yml");
        Files.createDirectories(dir);
        Files.writeString(config, """
                version: 0.1
                log: {level: info, accesslog: {disabled: false}}
                storage:
                  filesystem: {rootdirectory: %s}
                  cache: {blobdescriptor: inmemory}
                  delete: {enabled: true}
                  maintenance: {uploadpurging: {enabled: false}}
                http:
                  addr: 127.0.0.1:%d
                  headers: {X-Content-Type-Options: [nosniff]}
                """.formatted(dir.resolve("data"), port));
        return List.of(binary.toString(), "serve", config.toString());
    }
}
