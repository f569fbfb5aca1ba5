package io.berth.metadata;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Copies the tables of one metadata database into another ({@code berth migrate}): SQLite to PostgreSQL, say, rows
 * upserted by primary key in batches, values bound as the target column's type.
 */
final class DatabaseCopy {
    private DatabaseCopy() {}

    /**
     * Tables copied, in this order, with their primary keys. uploads (sessions whose bytes are not copied), leases
     * and flyway_schema_history stay behind.
     */
    static final Map<String, List<String>> TABLES = tables(
            "repositories", "name",
            "blobs", "digest",
            "repository_blobs", "repository,digest",
            "manifests", "repository,digest",
            "manifest_references", "repository,manifest_digest,child_digest",
            "tags", "repository,name",
            "tag_history", "id",
            "users", "name",
            "namespaces", "name",
            "namespace_members", "namespace,username",
            "robot_tokens", "id",
            "refresh_tokens", "id",
            "audit_log", "id",
            "immutable_rules", "namespace,pattern",
            "retention_rules", "id",
            "quotas", "namespace",
            "vuln_records", "id",
            "vuln_packages", "ecosystem,name,record_id",
            "vuln_changes", "generation,ecosystem,name",
            "vuln_sources", "name",
            "vuln_state", "id",
            "scan_jobs", "repository,digest",
            "scan_reports", "digest",
            "scan_packages", "pkg_key,digest");
    private static final int BATCH = 500;

    private static Map<String, List<String>> tables(String... nameAndKey) {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        for (int i = 0; i < nameAndKey.length; i += 2) {
            tables.put(nameAndKey[i], List.of(nameAndKey[i + 1].split(",")));
        }
        return tables;
    }

    static long count(Connection db, String sql) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static List<String> columns(Connection db, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnName(i).toLowerCase(Locale.ROOT));
            }
        }
        return columns;
    }

    /** The JDBC type of each column of table in db, by name. */
    private static Map<String, Integer> columnTypes(Connection db, String table) throws SQLException {
        Map<String, Integer> types = new LinkedHashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                types.put(meta.getColumnName(i).toLowerCase(Locale.ROOT), meta.getColumnType(i));
            }
        }
        return types;
    }

    /**
     * Upserts every row of table from source into target by its primary key, updating only rows that differ; returns
     * {rows read, rows written}.
     */
    static long[] copyTable(Connection source, Connection target, String table, List<String> key) throws SQLException {
        Map<String, Integer> targetTypes = columnTypes(target, table);
        List<String> columns = columns(source, table).stream().filter(targetTypes::containsKey).toList();
        List<String> others = columns.stream().filter(c -> !key.contains(c)).toList();
        String insert = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", columns.stream().map(c -> "?").toList()) + ") ON CONFLICT (" + String.join(", ", key) + ")"
                + (others.isEmpty() ? " DO NOTHING"
                        : " DO UPDATE SET " + String.join(", ", others.stream().map(c -> c + " = excluded." + c).toList())
                        + " WHERE " + String.join(" OR ", others.stream()
                                .map(c -> table + "." + c + " IS DISTINCT FROM excluded." + c).toList()));
        long read = 0;
        long written = 0;
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try (Statement select = source.createStatement();
             ResultSet rows = select.executeQuery("SELECT " + String.join(", ", columns) + " FROM " + table);
             PreparedStatement upsert = target.prepareStatement(insert)) {
            int pending = 0;
            while (rows.next()) {
                for (int i = 0; i < columns.size(); i++) {
                    bind(upsert, i + 1, rows, i + 1, targetTypes.get(columns.get(i)));
                }
                upsert.addBatch();
                read++;
                if (++pending == BATCH) {
                    written += sum(upsert.executeBatch());
                    target.commit();
                    pending = 0;
                }
            }
            if (pending > 0) {
                written += sum(upsert.executeBatch());
            }
            target.commit();
        } catch (SQLException e) {
            target.rollback();
            throw new SQLException("copying table " + table + ": " + e.getMessage(), e.getSQLState(), e);
        } finally {
            target.setAutoCommit(autoCommit);
        }
        return new long[] {read, written};
    }

    /** Binds a source value as the target column's type (SQLite hands out loosely typed values). */
    private static void bind(PreparedStatement statement, int index, ResultSet row, int column, int type) throws SQLException {
        switch (type) {
            case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> {
                long value = row.getLong(column);
                if (row.wasNull()) {
                    statement.setNull(index, type);
                } else if (type == Types.BIGINT) {
                    statement.setLong(index, value);
                } else {
                    statement.setInt(index, Math.toIntExact(value));
                }
            }
            case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.CLOB -> {
                String value = row.getString(column);
                if (value == null) {
                    statement.setNull(index, type);
                } else {
                    statement.setString(index, value);
                }
            }
            default -> statement.setObject(index, row.getObject(column));
        }
    }

    private static long sum(int[] counts) {
        long total = 0;
        for (int count : counts) {
            // SUCCESS_NO_INFO (-2): the driver did not say; count the row as written.
            total += count == Statement.SUCCESS_NO_INFO ? 1 : Math.max(0, count);
        }
        return total;
    }
}
