package io.berth.metadata;

import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * A JDBC database and how to run work on it. SQLite allows one writer at a time and makes the others wait inside
 * native code, where a waiting virtual thread pins its carrier: on a 2-core machine two waiting writers would stall
 * every virtual thread, the lock holder included. So SQLite writers first queue on a Java lock, where waiting
 * unmounts; SQLite's own busy wait is then only for other processes (the command line). PostgreSQL needs none.
 */
final class Database {
    private final DataSource dataSource;
    /** Serializes this process's write transactions; null for databases with concurrent writers. */
    private final Lock writeLock;

    private Database(DataSource dataSource, Lock writeLock) {
        this.dataSource = dataSource;
        this.writeLock = writeLock;
    }

    static Database singleWriter(DataSource dataSource) {
        return new Database(dataSource, new ReentrantLock(true));
    }

    static Database concurrent(DataSource dataSource) {
        return new Database(dataSource, null);
    }

    DataSource dataSource() {
        return dataSource;
    }

    <T> T read(Sql.Work<T> work) {
        return Sql.read(dataSource, work);
    }

    /** Attempts of {@link #retrying} before it gives up. */
    private static final int MAX_ATTEMPTS = 5;

    /** A row another transaction changed under us; {@link #retrying} runs the whole transaction again. */
    static final class ConcurrentChange extends RuntimeException {
        ConcurrentChange(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A write transaction, run again (after a short random pause) when PostgreSQL aborts it as a deadlock victim or
     * on a serialization failure, or when it throws {@link ConcurrentChange}.
     */
    <T> T retrying(Sql.Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction(work);
            } catch (ConcurrentChange | MetadataException e) {
                boolean retryable = e instanceof ConcurrentChange || (e.getCause() instanceof SQLException sql
                        && ("40001".equals(sql.getSQLState()) || "40P01".equals(sql.getSQLState())));
                if (!retryable) {
                    throw e;
                }
                if (attempt == MAX_ATTEMPTS) {
                    throw new MetadataException(new SQLException("gave up after " + attempt + " attempts: " + e.getMessage(),
                            "40001", e));
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(1, 10L * attempt));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    <T> T transaction(Sql.Work<T> work) {
        if (writeLock == null) {
            return Sql.transaction(dataSource, work);
        }
        writeLock.lock();
        try {
            return Sql.transaction(dataSource, work);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Work on one connection in a write transaction that is always rolled back (a rehearsal). It holds this
     * process's write lock, as any write transaction does.
     */
    <T> T rolledBack(Sql.Work<T> work) {
        if (writeLock != null) {
            writeLock.lock();
        }
        try (java.sql.Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                return work.run(connection);
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new MetadataException(e);
        } finally {
            if (writeLock != null) {
                writeLock.unlock();
            }
        }
    }
}
