package io.berth.testing;

import java.util.function.Supplier;

/** One server for the whole test JVM: started on first use, stopped by a shutdown hook when the JVM exits. */
final class PerJvm<T extends AutoCloseable> {
    private final Supplier<T> starter;
    private T instance;

    PerJvm(Supplier<T> starter) {
        this.starter = starter;
    }

    synchronized T get() {
        if (instance == null) {
            T started = starter.get();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (Exception e) {
                    // the JVM is ending; a server left running dies with its temp directory
                }
            }, "stop-" + started.getClass().getSimpleName()));
            instance = started;
        }
        return instance;
    }
}
