package io.berth.metadata;

import io.berth.model.AuthRecords.AuditEntry;
import io.berth.model.AuthRecords.Member;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.RefreshToken;
import io.berth.model.AuthRecords.Role;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.model.AuthRecords.User;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Users, namespaces and their members, robot and refresh tokens, and the audit log, in the metadata database. */
public interface AuthStore {
    /** False when a user of that name exists. */
    boolean createUser(User user);

    Optional<User> user(String name);

    List<User> users();

    long countUsers();

    boolean setPassword(String name, String passwordHash);

    /**
     * In one transaction, all or nothing: creates the users, sets the password hashes of existing ones (user name to
     * hash) and revokes their refresh tokens, and writes the audit entries. False, with nothing written, when a user
     * to create exists or one to update does not (another writer got there first).
     */
    boolean importUsers(List<User> created, Map<String, String> passwordHashes, Instant at, List<AuditEntry> audit);

    boolean setDisabled(String name, boolean disabled);

    /** False when the namespace exists. */
    boolean createNamespace(Namespace namespace);

    Optional<Namespace> namespace(String name);

    List<Namespace> namespaces();

    boolean setPublic(String namespace, boolean isPublic);

    /** Sets (or changes) a member's role. */
    void grant(String namespace, String username, Role role);

    boolean revoke(String namespace, String username);

    List<Member> members(String namespace);

    /** Namespace name to role, for every namespace the user is a member of. */
    Map<String, Role> memberships(String username);

    Optional<Role> role(String namespace, String username);

    void createRobot(RobotToken token);

    Optional<RobotToken> robot(String id);

    List<RobotToken> robots();

    boolean revokeRobot(String id, Instant at);

    void touchRobot(String id, Instant at);

    void createRefreshToken(RefreshToken token);

    Optional<RefreshToken> refreshToken(String id);

    /** Revokes one refresh token (a web UI session when its id starts with "ui-"); false when none was active. */
    boolean revokeRefreshToken(String id, Instant at);

    /** Deletes the refresh tokens (and web UI sessions) that expired before at; how many went. */
    int deleteExpiredRefreshTokens(Instant at);

    /** Revokes every refresh token of subject (a disabled user, a changed password). */
    void revokeRefreshTokens(String subject, Instant at);

    void audit(AuditEntry entry);

    /**
     * Records a repeated event in one row per actor, action, source and minute: the first such event of the minute
     * inserts the row, each later one adds one to its count. Atomic across nodes (the row's id is derived from the
     * key).
     */
    void auditFolded(String actor, String action, String source, Instant at);

    /** The newest entries first. */
    List<AuditEntry> auditLog(int limit);

    /** The newest entries first (by time, then id) that query selects, at most limit. */
    List<AuditEntry> auditLog(io.berth.model.AuthRecords.AuditQuery query, int limit);
}
