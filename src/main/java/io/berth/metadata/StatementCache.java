package io.berth.metadata;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sqlite.SQLiteConnection;

/**
 * Prepared statements kept per SQLite connection. SQLite compiles a statement on every prepare (a sixth of the
 * metadata store's CPU in the small-images benchmark), and its JDBC driver keeps none; PostgreSQL's driver caches
 * its own, so other connections pass through. A kept statement is handed out behind a proxy whose close() resets
 * it (closes its result set, clears its parameters) instead of finalizing it; a statement that threw is dropped.
 * A connection is used by one thread at a time (it is checked out of the pool), so its map needs no lock.
 */
final class StatementCache {
    /** Statements per connection at most; beyond it, statements are prepared and closed as usual. */
    private static final int MAX_PER_CONNECTION = 128;

    private static final Map<SQLiteConnection, Map<String, PreparedStatement>> CACHES = new ConcurrentHashMap<>();

    private StatementCache() {}

    static PreparedStatement prepare(Connection c, String sql) throws SQLException {
        if (!c.isWrapperFor(SQLiteConnection.class)) {
            return c.prepareStatement(sql);
        }
        SQLiteConnection physical = c.unwrap(SQLiteConnection.class);
        Map<String, PreparedStatement> cache = CACHES.get(physical);
        if (cache == null) {
            // A new physical connection (rare: the pool is fixed); forget the statements of closed ones.
            CACHES.keySet().removeIf(StatementCache::closed);
            cache = new HashMap<>();
            CACHES.put(physical, cache);
        }
        PreparedStatement statement = cache.remove(sql);
        if (statement == null || statement.isClosed()) {
            statement = physical.prepareStatement(sql);
        }
        return (PreparedStatement) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, new Kept(statement, sql, cache));
    }

    private static boolean closed(SQLiteConnection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** The handle of one use of a kept statement: returns it to its connection's map on close. */
    private static final class Kept implements InvocationHandler {
        private final PreparedStatement statement;
        private final String sql;
        private final Map<String, PreparedStatement> cache;
        private ResultSet results;
        private boolean failed;
        private boolean released;

        Kept(PreparedStatement statement, String sql, Map<String, PreparedStatement> cache) {
            this.statement = statement;
            this.sql = sql;
            this.cache = cache;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "close" -> {
                    release();
                    return null;
                }
                case "isClosed" -> {
                    return released || statement.isClosed();
                }
                case "unwrap", "isWrapperFor", "getConnection" -> {
                    // Never hand out the driver's statement or connection: they must not be closed behind us.
                    throw new SQLException(method.getName() + " is not available on a kept statement");
                }
                default -> { }
            }
            if (released) {
                throw new SQLException("statement is closed");
            }
            try {
                Object result = method.invoke(statement, args);
                if (result instanceof ResultSet rs) {
                    results = rs;
                }
                return result;
            } catch (InvocationTargetException e) {
                failed = true;
                throw e.getCause();
            }
        }

        private void release() throws SQLException {
            if (released) {
                return;
            }
            released = true;
            boolean kept = false;
            try {
                if (results != null) {
                    results.close();
                }
                if (!failed && cache.size() < MAX_PER_CONNECTION && !cache.containsKey(sql)) {
                    statement.clearParameters();
                    cache.put(sql, statement);
                    kept = true;
                }
            } finally {
                if (!kept) {
                    statement.close();
                }
            }
        }
    }
}
