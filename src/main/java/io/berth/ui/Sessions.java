package io.berth.ui;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The UI's login sessions: a random id (the cookie's value) names who logged in, the CSRF token of that session's
 * forms, and when it ends. Kept in this node's memory: a restart logs everyone out. Who a session names is looked
 * up again on every request, so a disabled user or a revoked robot token ends its sessions at once.
 */
final class Sessions {
    /** Sessions kept at most; past it, expired ones are dropped first, then the login is refused. */
    static final int MAX_SESSIONS = 100_000;

    record Session(String id, String subject, String csrf, Instant expires) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Duration ttl;
    private final Clock clock;

    Sessions(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    Duration ttl() {
        return ttl;
    }

    /** A new session for subject, or null when the node holds too many live sessions. */
    Session create(String subject) {
        if (sessions.size() >= MAX_SESSIONS) {
            Instant now = clock.instant();
            sessions.values().removeIf(s -> !s.expires().isAfter(now));
            if (sessions.size() >= MAX_SESSIONS) {
                return null;
            }
        }
        Session session = new Session(randomId(), subject, randomId(), clock.instant().plus(ttl));
        sessions.put(session.id(), session);
        return session;
    }

    /** The live session of id, or null (unknown, or expired: then it is forgotten). */
    Session find(String id) {
        if (id == null) {
            return null;
        }
        Session session = sessions.get(id);
        if (session != null && !session.expires().isAfter(clock.instant())) {
            sessions.remove(id);
            return null;
        }
        return session;
    }

    void end(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    String randomId() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
