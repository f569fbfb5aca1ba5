package io.berth.bench;

import java.io.IOException;
import java.util.List;

/**
 * A server the workloads drive: Berth, the reference registry, or the in-process discard server (no process of its
 * own, so no CPU or memory figures). Remembers the highest VmHWM seen, as peaks are reset for each phase.
 */
final class Target {
    private final String label;
    private final int port;
    private final ServerProcess process;
    /** Every node of a multi-node Berth (--nodes N), the first being process; empty for the generator. */
    private final List<ServerProcess> nodes;
    /** Store processes whose CPU is reported beside the nodes' (S3Proxy with --stores s3pg); may be empty. */
    private final List<ServerProcess.Pid> stores;
    /** With --auth, Berth's tokens for every request; null for the reference and the generator (no header). */
    private final TokenAuth auth;
    /** Guarded by this. */
    private double lifetimePeakRssMiB;

    Target(String label, int port, ServerProcess process) {
        this(label, port, process == null ? List.of() : List.of(process), List.of(), null);
    }

    /**
     * A target of several nodes behind one port (a proxy): CPU is summed over nodes, RSS is node 1's. auth, when not
     * null, gives every request a token.
     */
    Target(String label, int port, List<ServerProcess> nodes, List<ServerProcess.Pid> stores, TokenAuth auth) {
        this.label = label;
        this.port = port;
        this.process = nodes.isEmpty() ? null : nodes.get(0);
        this.nodes = List.copyOf(nodes);
        this.stores = List.copyOf(stores);
        this.auth = auth;
    }

    /** The Authorization header source for requests to this target, or null for none. */
    TokenAuth auth() {
        return auth;
    }

    List<ServerProcess> nodes() {
        return nodes;
    }

    List<ServerProcess.Pid> stores() {
        return stores;
    }

    /** CPU seconds used so far by every node. */
    double cpuSeconds() throws IOException {
        double sum = 0;
        for (ServerProcess node : nodes) {
            sum += node.cpuSeconds();
        }
        return sum;
    }

    /** CPU seconds spent in the kernel so far by every node. */
    double kernelCpuSeconds() throws IOException {
        double sum = 0;
        for (ServerProcess node : nodes) {
            sum += node.kernelCpuSeconds();
        }
        return sum;
    }

    /** CPU seconds used so far by the store processes. */
    double storesCpuSeconds() throws IOException {
        double sum = 0;
        for (ServerProcess.Pid pid : stores) {
            sum += pid.cpuSeconds();
        }
        return sum;
    }

    boolean alive() {
        return nodes.stream().allMatch(ServerProcess::alive);
    }

    String label() {
        return label;
    }

    int port() {
        return port;
    }

    ServerProcess process() {
        return process;
    }

    boolean isGenerator() {
        return process == null;
    }

    /** Reads the peak since the last reset into the lifetime peak, then resets it for the next phase. */
    synchronized void resetPeakRss() throws IOException {
        if (process == null) {
            return;
        }
        notePeak();
        process.resetPeakRss();
    }

    synchronized double notePeak() throws IOException {
        if (process != null && process.alive()) {
            lifetimePeakRssMiB = Math.max(lifetimePeakRssMiB, process.peakRssMiB());
        }
        return lifetimePeakRssMiB;
    }

    @Override
    public String toString() {
        return label;
    }
}
