package io.berth.bench;

import java.io.IOException;

/**
 * One measured phase on one target: what the workload reports, plus the server's CPU seconds and peak RSS (from
 * /proc) over exactly the phase, and the work done per CPU-second.
 */
final class Meter implements AutoCloseable {
    private static final java.time.format.DateTimeFormatter TIME =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC);
    private final Results results;
    private final Target target;
    private final String phase;
    private final double cpuAtStart;
    private final double kernelCpuAtStart;
    private final double storesCpuAtStart;
    private final long generatorCpuAtStart;
    private final java.time.Instant startedAt = java.time.Instant.now();
    private double megabytes;
    private long operations;
    private String operationName;
    private String first;

    Meter(Results results, Target target, String phase) throws IOException {
        this.results = results;
        this.target = target;
        this.phase = phase;
        target.resetPeakRss();
        this.cpuAtStart = target.isGenerator() ? 0 : target.cpuSeconds();
        this.kernelCpuAtStart = target.isGenerator() ? 0 : target.kernelCpuSeconds();
        this.storesCpuAtStart = target.isGenerator() ? 0 : target.storesCpuSeconds();
        this.generatorCpuAtStart = generatorCpuNanos();
    }

    /**
     * CPU time of this JVM: the load generator (and, for the generator's own run, the discard server too; for a
     * ceiling, both ends of what it measures).
     */
    static long generatorCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    void metric(String name, String unit, double value) {
        if (first == null) {
            first = String.format(java.util.Locale.ROOT, "%.1f %s", value, unit);
        }
        results.add(target.label(), phase + ": " + name, unit, value);
    }

    /** Bytes moved in the phase, for MB per server CPU-second. */
    void bytes(long bytes) {
        this.megabytes += bytes / 1e6;
    }

    /** Operations done in the phase (requests, images, pages: what), for operations per server CPU-second. */
    void operations(long count, String what) {
        this.operations += count;
        this.operationName = what;
    }

    @Override
    public void close() throws IOException {
        metric("generator CPU", "s", (generatorCpuNanos() - generatorCpuAtStart) / 1e9);
        if (target.isGenerator()) {
            return;
        }
        ServerProcess process = target.process();
        if (!target.alive()) {
            throw new BenchException(target.label() + " died during " + phase);
        }
        // With several nodes: CPU summed over the nodes, peak RSS of node 1.
        double cpu = target.cpuSeconds() - cpuAtStart;
        if (!target.stores().isEmpty()) {
            metric("S3Proxy CPU", "s", target.storesCpuSeconds() - storesCpuAtStart);
        }
        double peak = process.peakRssMiB();
        target.notePeak();
        metric("server CPU", "s", cpu);
        // The kernel's share (socket reads and sends, page-cache copies, fsync): work every server does per byte.
        double kernel = target.kernelCpuSeconds() - kernelCpuAtStart;
        metric("server CPU in the kernel", "s", kernel);
        // Wall-clock times, so a profile taken in slices (async-profiler's loop=) can be matched to phases.
        System.out.printf(java.util.Locale.ROOT, "bench: phase %s %s: %s to %s UTC, %s, server CPU %.2f s (kernel %.2f s)%n", target.label(),
                phase, TIME.format(startedAt), TIME.format(java.time.Instant.now()), first, cpu, kernel);
        metric("server peak RSS", "MiB", peak);
        if (cpu > 0 && megabytes > 0) {
            metric("MB per server CPU-s", "MB/CPU-s", megabytes / cpu);
        }
        if (cpu > 0 && operations > 0) {
            metric(operationName + " per server CPU-s", operationName + "/CPU-s", operations / cpu);
        }
    }
}
