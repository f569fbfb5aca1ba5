package io.berth.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The auth and lifecycle races on a real PostgreSQL server: two nodes' stores on a fresh database per test. */
class PostgresAuthLifecycleStoreTest extends AuthLifecycleStoreContract {
    private static final PostgresServer server = PostgresServer.shared();
    private String url;

    @Override
    protected Supplier<MetadataDatabase> sharedDatabase(Clock clock) {
        url = server.jdbcUrl(server.createDatabase());
        return () -> MetadataDatabase.postgres(url, PostgresServer.USER, "", 8, clock);
    }

    /**
     * The mount's window (between its share lock on the blob record and its commit) is too short to hit by chance, so
     * a third connection holds it open: it locks the repository row, which the mount locks after the blob record. The
     * collector then starts while the mount waits, and the mount commits its link while the collector waits.
     */
    @Test
    void forgettingAnOrphanWhileAMountIsMidwayNeverLeavesALinkToAForgottenBlob() throws Exception {
        MetadataStore mounter = nodeA().metadata();
        LifecycleStore gc = nodeB().lifecycle();
        Digest existing = Digest.sha256("already linked".getBytes(StandardCharsets.UTF_8));
        mounter.recordBlob(existing, 14);
        assertThat(mounter.linkBlob(repository(), existing)).isTrue();
        Digest orphan = Digest.sha256("orphan".getBytes(StandardCharsets.UTF_8));
        mounter.recordBlob(orphan, 6);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection holder = DriverManager.getConnection(url, PostgresServer.USER, "");
             Connection observer = DriverManager.getConnection(url, PostgresServer.USER, "")) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("SELECT 1 FROM repositories WHERE name = ? FOR UPDATE")) {
                lock.setString(1, repository().value());
                lock.executeQuery().close();
            }
            Future<Boolean> mount = pool.submit(() -> mounter.linkBlob(repository(), orphan));
            awaitLockWaiters(observer, 1);
            Future<Boolean> forget = pool.submit(() -> gc.forgetIfOrphan(orphan));
            awaitLockWaiters(observer, 2);
            holder.commit();
            assertThat(mount.get()).isTrue();
            assertThat(forget.get()).as("forgot a blob a mount linked meanwhile").isFalse();
        } finally {
            pool.shutdownNow();
        }
        assertThat(mounter.linkedBlobSize(repository(), orphan)).isPresent();
        assertThat(mounter.blobSize(orphan)).as("record of a linked blob").isPresent();
    }

    /** Waits until count sessions of this database wait for a lock. */
    private static void awaitLockWaiters(Connection observer, int count) throws SQLException, InterruptedException {
        for (int i = 0; i < 500; i++) {
            try (PreparedStatement s = observer.prepareStatement("""
                    SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'""");
                 ResultSet rs = s.executeQuery()) {
                rs.next();
                if (rs.getInt(1) >= count) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("fewer than " + count + " sessions came to wait for a lock");
    }
}
