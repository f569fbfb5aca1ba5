package io.berth.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh store of type S for each test: the implementation's test opens it, this closes it after the test. */
public abstract class StoreFixture<S extends AutoCloseable> {
    protected S store;

    protected abstract S openStore() throws Exception;

    @BeforeEach
    protected void open() throws Exception {
        store = openStore();
    }

    @AfterEach
    protected void closeStore() throws Exception {
        store.close();
    }
}
