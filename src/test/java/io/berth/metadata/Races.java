package io.berth.metadata;

import io.berth.oci.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/** Races two store calls against each other, as two nodes (or two requests) would make them at once. */
final class Races {
    private Races() {}

    /**
     * Runs both at once on pool, released together; both results in order. A refusal (RegistryException) -- what the
     * loser may get when the other wins -- counts as null.
     */
    static <T> List<T> race(ExecutorService pool, Callable<T> first, Callable<T> second) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : List.of(first, second)) {
            futures.add(pool.submit(() -> {
                start.await();
                try {
                    return task.call();
                } catch (RegistryException refused) {
                    return null;
                }
            }));
        }
        start.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get());
        }
        return results;
    }
}
