package io.berth.bench;

import java.io.IOException;

/**
 * A server the workloads drive: Berth, the reference registry, or the in-process discard server (no process of its
 * own, so no CPU or memory figures). Remembers the highest VmHWM seen, as peaks are reset for each phase.
 */
final class Target {
    private final String label;
    private final int port;
    private final ServerProcess process;
    /** Guarded by this. */
    private double lifetimePeakRssMiB;

    Target(String label, int port, ServerProcess process) {
        this.label = label;
        this.port = port;
        this.process = process;
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
