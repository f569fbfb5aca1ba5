package io.berth.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.AuthRecords.AuditEntry;
import io.berth.model.AuthRecords.Member;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.RefreshToken;
import io.berth.model.AuthRecords.Role;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.model.AuthRecords.User;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link AuthStore} on the same JDBC database as the metadata store (SQLite or PostgreSQL).
 *
 * <p>Every write is one statement whose outcome depends only on the rows it writes, so it stays correct when several
 * nodes write at once: creations are {@code INSERT ... ON CONFLICT DO NOTHING} on the primary key (one node creates,
 * the others get false), changes are {@code UPDATE}s whose condition is on the updated row (PostgreSQL re-checks it
 * after waiting for a concurrent writer of that row). Checks made by callers before a write (is the caller an owner,
 * does the user exist) are not repeated here. The exception is the rule that a namespace with an owner keeps one,
 * which depends on other rows: grant and revoke check it in their transaction, after locking the namespace.
 */
public final class JdbcAuthStore implements AuthStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};

    private final Database db;
    /** The row-lock clause for membership changes; SQLite (one writer at a time) needs none. */
    private final String forUpdate;

    JdbcAuthStore(Database db, String forUpdate) {
        this.db = db;
        this.forUpdate = forUpdate;
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Long millis = Sql.nullableLong(rs, column);
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    // ---- users

    private static User userRow(ResultSet rs) throws SQLException {
        return new User(rs.getString(1), rs.getString(2), rs.getInt(3) != 0, rs.getInt(4) != 0, instant(rs, 5));
    }

    private static final String USER_COLUMNS = "SELECT name, password_hash, admin, disabled, created_at FROM users";

    @Override
    public boolean createUser(User user) {
        return db.transaction(c -> insertUser(c, user));
    }

    private static boolean insertUser(Connection c, User user) throws SQLException {
        return Sql.update(c, """
                INSERT INTO users (name, password_hash, admin, disabled, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING""", user.name(), user.passwordHash(), user.admin(), user.disabled(),
                millis(user.createdAt())) > 0;
    }

    /** Ends {@link #importUsers}'s transaction with a rollback: a row it expected was not as expected. */
    private static final class ImportConflict extends RuntimeException {
        ImportConflict() {
            super(null, null, false, false);
        }
    }

    @Override
    public boolean importUsers(List<User> created, Map<String, String> passwordHashes, Instant at, List<AuditEntry> audit) {
        try {
            return db.transaction(c -> {
                for (User user : created) {
                    if (!insertUser(c, user)) {
                        throw new ImportConflict();
                    }
                }
                for (Map.Entry<String, String> e : passwordHashes.entrySet()) {
                    if (Sql.update(c, SET_PASSWORD, e.getValue(), e.getKey()) == 0) {
                        throw new ImportConflict();
                    }
                    Sql.update(c, REVOKE_REFRESH_TOKENS, millis(at), e.getKey());
                }
                for (AuditEntry entry : audit) {
                    insertAudit(c, entry);
                }
                return true;
            });
        } catch (ImportConflict e) {
            return false;
        }
    }

    @Override
    public Optional<User> user(String name) {
        return db.read(c -> Sql.one(c, JdbcAuthStore::userRow, USER_COLUMNS + " WHERE name = ?", name));
    }

    @Override
    public List<User> users() {
        return db.read(c -> Sql.list(c, JdbcAuthStore::userRow, USER_COLUMNS + " ORDER BY name"));
    }

    @Override
    public long countUsers() {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), "SELECT COUNT(*) FROM users").orElse(0L));
    }

    private static final String SET_PASSWORD = "UPDATE users SET password_hash = ? WHERE name = ?";

    @Override
    public boolean setPassword(String name, String passwordHash) {
        return db.transaction(c -> Sql.update(c, SET_PASSWORD, passwordHash, name) > 0);
    }

    @Override
    public boolean setDisabled(String name, boolean disabled) {
        return db.transaction(c -> Sql.update(c, "UPDATE users SET disabled = ? WHERE name = ?",
                disabled, name) > 0);
    }

    // ---- namespaces

    private static Namespace namespaceRow(ResultSet rs) throws SQLException {
        return new Namespace(rs.getString(1), rs.getInt(2) != 0, rs.getString(3), instant(rs, 4));
    }

    private static final String NAMESPACE_COLUMNS = "SELECT name, public, created_by, created_at FROM namespaces";

    @Override
    public boolean createNamespace(Namespace namespace) {
        return db.transaction(c -> Sql.update(c, """
                INSERT INTO namespaces (name, public, created_by, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING""", namespace.name(), namespace.isPublic(), namespace.createdBy(),
                millis(namespace.createdAt())) > 0);
    }

    @Override
    public Optional<Namespace> namespace(String name) {
        return db.read(c -> Sql.one(c, JdbcAuthStore::namespaceRow, NAMESPACE_COLUMNS + " WHERE name = ?", name));
    }

    @Override
    public List<Namespace> namespaces() {
        return db.read(c -> Sql.list(c, JdbcAuthStore::namespaceRow, NAMESPACE_COLUMNS + " ORDER BY name"));
    }

    @Override
    public boolean setPublic(String namespace, boolean isPublic) {
        return db.transaction(c -> Sql.update(c, "UPDATE namespaces SET public = ? WHERE name = ?",
                isPublic, namespace) > 0);
    }

    @Override
    public void grant(String namespace, String username, Role role) {
        db.transaction(c -> {
            if (role != Role.OWNER) {
                keepAnOwner(c, namespace, username);
            }
            return Sql.update(c, """
                    INSERT INTO namespace_members (namespace, username, role) VALUES (?, ?, ?)
                    ON CONFLICT (namespace, username) DO UPDATE SET role = excluded.role""", namespace, username, role.label());
        });
    }

    @Override
    public boolean revoke(String namespace, String username) {
        return db.transaction(c -> {
            keepAnOwner(c, namespace, username);
            return Sql.update(c, "DELETE FROM namespace_members WHERE namespace = ? AND username = ?", namespace, username) > 0;
        });
    }

    /**
     * Refuses to take the owner role from username when no other owner of the namespace would remain. Two owners
     * removing each other at once must not both pass: on PostgreSQL the namespace's row is locked first, so the
     * second waits for the first and then counts in a new statement, which sees the first's change; SQLite's write
     * transactions run one at a time.
     */
    private void keepAnOwner(Connection c, String namespace, String username) throws SQLException {
        if (!forUpdate.isEmpty()) {
            Sql.exists(c, "SELECT 1 FROM namespaces WHERE name = ?" + forUpdate, namespace);
        }
        boolean owner = Sql.exists(c, "SELECT 1 FROM namespace_members WHERE namespace = ? AND username = ? AND role = ?",
                namespace, username, Role.OWNER.label());
        if (owner && !Sql.exists(c, "SELECT 1 FROM namespace_members WHERE namespace = ? AND username <> ? AND role = ?",
                namespace, username, Role.OWNER.label())) {
            throw new RegistryException(ErrorCode.LAST_OWNER, username + " is the last owner of namespace "
                    + namespace + "; make another member owner first", Map.of("namespace", namespace, "user", username));
        }
    }

    @Override
    public List<Member> members(String namespace) {
        return db.read(c -> Sql.list(c, rs -> new Member(rs.getString(1), rs.getString(2), Role.parse(rs.getString(3))),
                "SELECT namespace, username, role FROM namespace_members WHERE namespace = ? ORDER BY username", namespace));
    }

    @Override
    public Map<String, Role> memberships(String username) {
        Map<String, Role> result = new LinkedHashMap<>();
        db.read(c -> Sql.list(c, rs -> result.put(rs.getString(1), Role.parse(rs.getString(2))),
                "SELECT namespace, role FROM namespace_members WHERE username = ? ORDER BY namespace", username));
        return result;
    }

    @Override
    public Optional<Role> role(String namespace, String username) {
        return db.read(c -> Sql.one(c, rs -> Role.parse(rs.getString(1)),
                "SELECT role FROM namespace_members WHERE namespace = ? AND username = ?", namespace, username));
    }

    // ---- robot tokens

    private static RobotToken robotRow(ResultSet rs) throws SQLException {
        List<String> repositories;
        try {
            repositories = JSON.readValue(rs.getString(5), STRING_LIST);
        } catch (JsonProcessingException e) {
            throw new SQLException("robot token " + rs.getString(1) + " has unreadable repositories", e);
        }
        return new RobotToken(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), repositories,
                new LinkedHashSet<>(Arrays.asList(rs.getString(6).split(","))), rs.getString(7), instant(rs, 8),
                instant(rs, 9), instant(rs, 10), instant(rs, 11));
    }

    private static final String ROBOT_COLUMNS = "SELECT id, name, created_by, namespace, repositories, actions, secret_hash,"
            + " created_at, expires_at, revoked_at, last_used_at FROM robot_tokens";

    @Override
    public void createRobot(RobotToken token) {
        String repositories;
        try {
            repositories = JSON.writeValueAsString(token.repositories());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        db.transaction(c -> Sql.update(c, """
                INSERT INTO robot_tokens (id, name, created_by, namespace, repositories, actions, secret_hash, created_at,
                expires_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)""",
                token.id(), token.name(), token.createdBy(), token.namespace(), repositories,
                String.join(",", token.actions()), token.secretHash(), millis(token.createdAt()), millis(token.expiresAt())));
    }

    @Override
    public Optional<RobotToken> robot(String id) {
        return db.read(c -> Sql.one(c, JdbcAuthStore::robotRow, ROBOT_COLUMNS + " WHERE id = ?", id));
    }

    @Override
    public List<RobotToken> robots() {
        return db.read(c -> Sql.list(c, JdbcAuthStore::robotRow, ROBOT_COLUMNS + " ORDER BY created_at, id"));
    }

    @Override
    public boolean revokeRobot(String id, Instant at) {
        return db.transaction(c -> Sql.update(c,
                "UPDATE robot_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", millis(at), id) > 0);
    }

    /**
     * Only ever moves the time forward: nodes authenticating the same token may write out of order. The condition is
     * on the row itself, so PostgreSQL re-checks it after waiting for a concurrent update of the row.
     */
    @Override
    public void touchRobot(String id, Instant at) {
        db.transaction(c -> Sql.update(c,
                "UPDATE robot_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                millis(at), id, millis(at)));
    }

    // ---- refresh tokens

    @Override
    public void createRefreshToken(RefreshToken token) {
        db.transaction(c -> Sql.update(c, """
                INSERT INTO refresh_tokens (id, subject, secret_hash, created_at, expires_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, NULL)""", token.id(), token.subject(), token.secretHash(),
                millis(token.createdAt()), millis(token.expiresAt())));
    }

    @Override
    public Optional<RefreshToken> refreshToken(String id) {
        return db.read(c -> Sql.one(c, rs -> new RefreshToken(rs.getString(1), rs.getString(2), rs.getString(3),
                        instant(rs, 4), instant(rs, 5), instant(rs, 6)),
                "SELECT id, subject, secret_hash, created_at, expires_at, revoked_at FROM refresh_tokens WHERE id = ?", id));
    }

    @Override
    public boolean revokeRefreshToken(String id, Instant at) {
        return db.transaction(c -> Sql.update(c,
                "UPDATE refresh_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", millis(at), id)) > 0;
    }

    @Override
    public int deleteExpiredRefreshTokens(Instant at) {
        return db.transaction(c -> Sql.update(c, "DELETE FROM refresh_tokens WHERE expires_at < ?", millis(at)));
    }

    private static final String REVOKE_REFRESH_TOKENS =
            "UPDATE refresh_tokens SET revoked_at = ? WHERE subject = ? AND revoked_at IS NULL";

    @Override
    public void revokeRefreshTokens(String subject, Instant at) {
        db.transaction(c -> Sql.update(c, REVOKE_REFRESH_TOKENS, millis(at), subject));
    }

    // ---- audit

    @Override
    public void audit(AuditEntry entry) {
        db.transaction(c -> insertAudit(c, entry));
    }

    private static int insertAudit(Connection c, AuditEntry entry) throws SQLException {
        return Sql.update(c, """
                INSERT INTO audit_log (id, at, actor, action, target, source, detail) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                entry.id(), millis(entry.at()), entry.actor(), entry.action(), entry.target(), entry.source(), entry.detail());
    }

    @Override
    public void auditFolded(String actor, String action, String source, Instant at) {
        long minute = at.toEpochMilli() / 60_000;
        String id = "f" + sha256(actor + '\0' + action + '\0' + source + '\0' + minute).substring(0, 31);
        db.transaction(c -> Sql.update(c, """
                INSERT INTO audit_log (id, at, actor, action, target, source, detail, count) VALUES (?, ?, ?, ?, NULL, ?, NULL, 1)
                ON CONFLICT (id) DO UPDATE SET count = audit_log.count + 1""",
                id, millis(at), actor, action, source));
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<AuditEntry> auditLog(int limit) {
        return db.read(c -> Sql.list(c, rs -> new AuditEntry(rs.getString(1), instant(rs, 2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8)),
                "SELECT id, at, actor, action, target, source, detail, count FROM audit_log ORDER BY at DESC, id DESC LIMIT ?",
                limit));
    }

    @Override
    public List<AuditEntry> auditLog(io.berth.model.AuthRecords.AuditQuery query, int limit) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new java.util.ArrayList<>();
        if (query.actor() != null) {
            where.append(" AND actor = ?");
            args.add(query.actor());
        }
        if (query.action() != null) {
            where.append(" AND action = ?");
            args.add(query.action());
        }
        if (query.targetPrefix() != null) {
            // substr, not LIKE: '_' is common in repository names and would be a wildcard there.
            where.append(" AND substr(target, 1, ?) = ?");
            args.add(query.targetPrefix().length());
            args.add(query.targetPrefix());
        }
        if (query.from() != null) {
            where.append(" AND at >= ?");
            args.add(millis(query.from()));
        }
        if (query.until() != null) {
            where.append(" AND at < ?");
            args.add(millis(query.until()));
        }
        if (query.beforeAt() != null && query.beforeId() != null) {
            where.append(" AND (at < ? OR (at = ? AND id < ?))");
            args.add(millis(query.beforeAt()));
            args.add(millis(query.beforeAt()));
            args.add(query.beforeId());
        }
        args.add(limit);
        String sql = "SELECT id, at, actor, action, target, source, detail, count FROM audit_log" + where
                + " ORDER BY at DESC, id DESC LIMIT ?";
        return db.read(c -> Sql.list(c, rs -> new AuditEntry(rs.getString(1), instant(rs, 2), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8)), sql, args.toArray()));
    }
}
