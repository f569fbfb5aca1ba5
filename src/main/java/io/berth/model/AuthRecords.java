package io.berth.model;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** The access-control facts the metadata store keeps. */
public final class AuthRecords {
    private AuthRecords() {}

    public record User(String name, String passwordHash, boolean admin, boolean disabled, Instant createdAt) {}

    public record Namespace(String name, boolean isPublic, String createdBy, Instant createdAt) {}

    /** A namespace role; each includes the rights of the ones before it. */
    public enum Role {
        READER, WRITER, MAINTAINER, OWNER;

        public static Role parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown role '" + text + "': use reader, writer, maintainer or owner");
            }
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public boolean atLeast(Role other) {
            return compareTo(other) >= 0;
        }
    }

    public record Member(String namespace, String username, Role role) {}

    /**
     * A robot (CI or cluster) token: limited to repository patterns and actions, optionally to one namespace, with
     * an expiry. Only a hash of its secret is kept.
     */
    public record RobotToken(String id, String name, String createdBy, String namespace, List<String> repositories,
                             Set<String> actions, String secretHash, Instant createdAt, Instant expiresAt,
                             Instant revokedAt, Instant lastUsedAt) {
        public boolean activeAt(Instant now) {
            return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
        }
    }

    public record RefreshToken(String id, String subject, String secretHash, Instant createdAt, Instant expiresAt,
                               Instant revokedAt) {
        public boolean activeAt(Instant now) {
            return revokedAt == null && now.isBefore(expiresAt);
        }
    }

    /**
     * One audit row. count is how many events a folded row stands for (logins of one principal from one address
     * within one minute); 1 for every other row.
     */
    public record AuditEntry(String id, Instant at, String actor, String action, String target, String source,
                             String detail, int count) {
        public AuditEntry(String id, Instant at, String actor, String action, String target, String source,
                          String detail) {
            this(id, at, actor, action, target, source, detail, 1);
        }
    }

    /**
     * Which audit entries to read, each part optional (null: any): exactly this actor, exactly this action, a target
     * starting with targetPrefix (a repository name finds its tags and digests too), at or after from, before until;
     * and a keyset cursor: only entries older than (beforeAt, beforeId), the last entry of the page before.
     */
    public record AuditQuery(String actor, String action, String targetPrefix, java.time.Instant from,
                             java.time.Instant until, java.time.Instant beforeAt, String beforeId) {
        public static final AuditQuery ALL = new AuditQuery(null, null, null, null, null, null, null);
    }
}
