package io.berth.boot;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Blocking work (JDBC, fsync and rename, hashing a stored prefix) on virtual threads, at most maxConcurrent at once;
 * further tasks wait their turn on a virtual thread of their own, so no event loop ever waits.
 */
final class BlockingExecutor implements Executor, AutoCloseable {
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("berth-io-", 0).factory());
    private final Semaphore permits;

    BlockingExecutor(int maxConcurrent) {
        this.permits = new Semaphore(maxConcurrent);
    }

    @Override
    public void execute(Runnable task) {
        threads.execute(() -> {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                task.run();
            } finally {
                permits.release();
            }
        });
    }

    @Override
    public void close() {
        threads.shutdown();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
