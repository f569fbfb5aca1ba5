package io.berth.auth;

import io.berth.metadata.AuthStore;
import io.berth.model.AuthRecords.RefreshToken;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The web UI's login sessions, kept in the metadata database so that every node behind a load balancer knows them:
 * a session is a row of refresh_tokens whose id starts with "ui-" (the token endpoint takes only hex ids, so a
 * session never buys a registry token), holding only the hash of its secret. The browser's cookie is
 * "id.secret"; the session's CSRF token is derived from the secret, so any node can check a form without storing
 * it. Logging out revokes the row (on every node at once); disabling a user or changing their password revokes
 * their refresh tokens and so their sessions too.
 */
public final class LoginSessions {
    private static final String PREFIX = "ui-";

    /**
     * A live session: its id, who it names, the CSRF token of its forms, when it ends, and a key of its own (derived
     * from its secret like the CSRF token) for what the UI hands this browser alone to show once.
     */
    public record Session(String id, String subject, String csrf, Instant expires, byte[] sealKey) {}

    /** A session just opened, with the value of its cookie (shown only here). */
    public record Opened(Session session, String cookie) {}

    /** How often a node deletes expired sessions (and refresh tokens), on a login. */
    private static final Duration PURGE_EVERY = Duration.ofHours(1);

    private final java.util.concurrent.atomic.AtomicReference<Instant> nextPurge =
            new java.util.concurrent.atomic.AtomicReference<>(Instant.MIN);
    private final AuthStore store;
    private final Duration ttl;
    private final Clock clock;

    LoginSessions(AuthStore store, Duration ttl, Clock clock) {
        this.store = store;
        this.ttl = ttl;
        this.clock = clock;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A new session of subject; at most once an hour per node, first deletes the sessions that expired. */
    public Opened open(String subject) {
        String id = PREFIX + Passwords.randomId();
        String secret = Passwords.randomSecret(32);
        Instant now = clock.instant();
        Instant due = nextPurge.get();
        if (!now.isBefore(due) && nextPurge.compareAndSet(due, now.plus(PURGE_EVERY))) {
            store.deleteExpiredRefreshTokens(now);
        }
        Instant expires = now.plus(ttl);
        store.createRefreshToken(new RefreshToken(id, subject, Passwords.sha256(secret), now, expires, null));
        return new Opened(new Session(id, subject, csrf(secret), expires, derive(secret, "berth-ui-seal")), id + "." + secret);
    }

    /** The live session a cookie value names, or empty (malformed, unknown, expired, revoked). */
    public Optional<Session> find(String cookie) {
        if (cookie == null) {
            return Optional.empty();
        }
        int dot = cookie.indexOf('.');
        if (dot <= PREFIX.length() || !cookie.startsWith(PREFIX) || !cookie.substring(PREFIX.length(), dot)
                .matches("[0-9a-f]{16}")) {
            return Optional.empty();
        }
        String id = cookie.substring(0, dot);
        String secret = cookie.substring(dot + 1);
        Optional<RefreshToken> token = store.refreshToken(id);
        if (token.isEmpty() || !token.get().activeAt(clock.instant())
                || !Passwords.sameHash(Passwords.sha256(secret), token.get().secretHash())) {
            return Optional.empty();
        }
        return Optional.of(new Session(id, token.get().subject(), csrf(secret), token.get().expiresAt(),
                derive(secret, "berth-ui-seal")));
    }

    /** Ends a session on every node. */
    public void end(String id) {
        if (id != null && id.startsWith(PREFIX)) {
            store.revokeRefreshToken(id, clock.instant());
        }
    }

    /** The CSRF token of a session: an HMAC of its secret, so it tells nothing of the secret. */
    private static String csrf(String secret) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(derive(secret, "berth-ui-csrf"));
    }

    /** HMAC-SHA256 of purpose under the session's secret. */
    private static byte[] derive(String secret, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
