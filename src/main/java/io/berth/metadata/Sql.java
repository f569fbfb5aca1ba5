package io.berth.metadata;

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

    static <T> T read(DataSource dataSource, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new MetadataException(e);
        }
    }

    static <T> T transaction(DataSource dataSource, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new MetadataException(e);
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

    static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
