package io.berth.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The MetadataStore contract on a real PostgreSQL server, a fresh database per test. */
class PostgresMetadataStoreTest extends MetadataStoreContract {
    private static final PostgresServer server = PostgresServer.shared();

    @Test
    void digestLockExcludesASecondHolderUntilReleased() throws Exception {
        Digest digest = Digest.sha256("locked".getBytes(StandardCharsets.UTF_8));
        AtomicBoolean secondHeld = new AtomicBoolean();
        Thread second;
        try (AutoCloseable first = store.lockDigest(digest)) {
            second = Thread.ofPlatform().start(() -> {
                try (AutoCloseable lock = store.lockDigest(digest)) {
                    secondHeld.set(true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(secondHeld).isFalse();
        }
        second.join(5000);
        assertThat(secondHeld).isTrue();
    }

    @Override
    protected MetadataStore openStore() {
        return postgresStore(server);
    }
}
