package io.berth.testing;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A server a test class starts once before its tests and closes after them, declared in one line:
 * {@code @RegisterExtension static final Started<BerthServer> berth = Started.by(BerthServer::start);}.
 * Nested classes share their outer class's server.
 */
public final class Started<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {
    private final Supplier<T> starter;
    private T server;

    private Started(Supplier<T> starter) {
        this.starter = starter;
    }

    public static <T extends AutoCloseable> Started<T> by(Supplier<T> starter) {
        return new Started<>(starter);
    }

    /** The started server; fails outside the class's tests. */
    public T get() {
        if (server == null) {
            throw new IllegalStateException("not started: the field must be static and registered with @RegisterExtension");
        }
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (server == null) {
            server = starter.get();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // A nested class's afterAll comes first; the server lives until its own class is done.
        if (server != null && context.getParent().flatMap(ExtensionContext::getTestClass).isEmpty()) {
            T stopping = server;
            server = null;
            stopping.close();
        }
    }
}
