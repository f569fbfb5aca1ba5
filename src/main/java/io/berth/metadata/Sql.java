package io.berth.metadata;

import io.berth.model.Page;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Small JDBC helpers shared by the JDBC stores: transactions, statements with arguments, single-value queries. */
final class Sql {
    private Sql() {}

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    @FunctionalInterface
    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** How long a request waits in all for a pool connection while the database answers but every connection is busy. */
    private static final long BUSY_POOL_PATIENCE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    /**
     * A connection from the pool. The pool's own timeout is short so that an unreachable database fails requests fast
     * (503); the pool then names the connection failure as the cause. A timeout without a cause means only that every
     * connection was busy, so the request asks again, up to the patience it always had.
     */
    static Connection connect(DataSource dataSource) throws SQLException {
        long deadline = System.nanoTime() + BUSY_POOL_PATIENCE_NANOS;
        while (true) {
            try {
                return dataSource.getConnection();
            } catch (java.sql.SQLTransientConnectionException e) {
                if (e.getCause() != null || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            }
        }
    }

    static <T> T read(DataSource dataSource, Work<T> work) {
        try (Connection connection = connect(dataSource)) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new MetadataException(e);
        }
    }

    static <T> T transaction(DataSource dataSource, Work<T> work) {
        try (Connection connection = connect(dataSource)) {
            connection.setAutoCommit(false);
            T result;
            try {
                result = work.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                // SQLite ends a transaction itself on some errors (SQLITE_FULL): the rollback and the return to
                // auto-commit then fail too, and must not hide the error that says what happened.
                endQuietly(connection, e);
                throw e;
            }
            connection.setAutoCommit(true);
            return result;
        } catch (SQLException e) {
            throw new MetadataException(e);
        }
    }

    private static void endQuietly(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement statement = StatementCache.prepare(c, sql);
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            if (arg instanceof Digest || arg instanceof RepositoryName || arg instanceof Tag) {
                arg = arg.toString();
            } else if (arg instanceof Boolean b) {
                arg = b ? 1 : 0;
            }
            statement.setObject(i + 1, arg);
        }
        return statement;
    }

    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args)) {
            return statement.executeUpdate();
        }
    }

    static boolean exists(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args); ResultSet rs = statement.executeQuery()) {
            return rs.next();
        }
    }

    static <T> List<T> list(Connection c, Row<T> row, String sql, Object... args) throws SQLException {
        List<T> result = new ArrayList<>();
        try (PreparedStatement statement = prepare(c, sql, args); ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                result.add(row.map(rs));
            }
        }
        return result;
    }

    static <T> Optional<T> one(Connection c, Row<T> row, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args); ResultSet rs = statement.executeQuery()) {
            return rs.next() ? Optional.of(row.map(rs)) : Optional.empty();
        }
    }

    /** A page of the first column's values: the query asks for limit + 1 rows, the extra one only says there is more. */
    static Page<String> page(Connection c, String sql, int limit, Object[] args) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement s = prepare(c, sql, args); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        boolean more = names.size() > limit;
        return new Page<>(more ? names.subList(0, limit) : names, more);
    }

    static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
