package io.berth.metadata;

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

}
