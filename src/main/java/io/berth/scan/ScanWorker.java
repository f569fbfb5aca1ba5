package io.berth.scan;

import io.berth.model.Scans.Job;
import io.berth.oci.Digest;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs queued scans on a bounded pool of this node, off the request path: each worker thread takes a job (queued
 * here, on another node, or left by a node that stopped: its lease ran out), scans it while renewing its lease,
 * and ends it. Idle workers wait for a local wake-up or the poll interval. A job is tried at most
 * {@link #MAX_ATTEMPTS} times.
 */
public final class ScanWorker implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScanWorker.class);
    static final int MAX_ATTEMPTS = 3;

    private final Scanning scanning;
    private final String owner;
    private final Duration lease;
    private final Duration poll;
    private final Semaphore wake = new Semaphore(0);
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService renewals;
    private volatile boolean stopped;

    /** Starts workers threads for owner (this node's name). */
    public ScanWorker(Scanning scanning, int workers, String owner, Duration lease, Duration poll) {
        this.scanning = scanning;
        this.owner = owner;
        this.lease = lease.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : lease;
        this.poll = poll.compareTo(Duration.ofMillis(50)) < 0 ? Duration.ofMillis(50) : poll;
        this.renewals = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("berth-scan-lease").factory());
        scanning.wakeUpWith(() -> wake.release(Math.max(1, workers)));
        for (int i = 0; i < Math.max(1, workers); i++) {
            Thread t = Thread.ofPlatform().daemon().name("berth-scan-" + i).start(i == 0 ? this::runFirst : this::run);
            threads.add(t);
        }
    }

    /** The first worker also watches the database's generation (rescans after an import). */
    private void runFirst() {
        loop(true);
    }

    private void run() {
        loop(false);
    }

    private void loop(boolean watch) {
        while (!stopped) {
            try {
                if (watch) {
                    try {
                        scanning.refresh();
                    } catch (RuntimeException e) {
                        // Queued scans still run while the generation cannot be read.
                        LOG.warn("looking for a new vulnerability database generation: {}", e.toString());
                    }
                }
                boolean worked = runOne();
                if (!worked) {
                    wake.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("scan worker: {}", e.toString());
                try {
                    Thread.sleep(poll.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Takes and runs one job; false when there was none. */
    boolean runOne() {
        Instant now = scanning.clock().instant();
        Job job = scanning.store().claim(owner, now, now.plus(lease), MAX_ATTEMPTS).orElse(null);
        if (job == null) {
            return false;
        }
        long renewMillis = Math.max(200, lease.toMillis() / 3);
        var renewal = renewals.scheduleWithFixedDelay(() -> {
            try {
                scanning.store().renew(job, owner, scanning.clock().instant().plus(lease));
            } catch (RuntimeException e) {
                LOG.warn("renewing the lease of the scan of {}@{}: {}", job.repository(), job.digest(), e.toString());
            }
        }, renewMillis, renewMillis, TimeUnit.MILLISECONDS);
        String error = null;
        boolean retry = false;
        try {
            scanning.scanner().scan(new RepositoryName(job.repository()), Digest.parse(job.digest()));
        } catch (RegistryException e) {
            // The manifest is gone or not an image: trying again does not help.
            error = e.getMessage();
        } catch (Exception e) {
            error = e.toString();
            retry = job.attempts() < MAX_ATTEMPTS;
            LOG.warn("scan of {}@{} failed (attempt {}): {}", job.repository(), job.digest(), job.attempts(), error);
        } finally {
            renewal.cancel(false);
        }
        if (retry) {
            scanning.store().release(job, owner, error);
        } else {
            scanning.store().finish(job, owner, error, scanning.clock().instant());
        }
        return true;
    }

    @Override
    public void close() {
        stopped = true;
        threads.forEach(Thread::interrupt);
        renewals.shutdownNow();
    }
}
