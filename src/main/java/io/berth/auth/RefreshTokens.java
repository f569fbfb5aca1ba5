package io.berth.auth;

import io.berth.metadata.AuthStore;
import io.berth.model.AuthRecords.RefreshToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The refresh tokens docker login asks for ({@code offline_token=true}): issued to users, each "id.secret" with only
 * a hash of its secret kept, valid for the configured time unless revoked (a changed password, a disabled user).
 */
public final class RefreshTokens {
    private final AuthStore store;
    private final Authenticator authenticator;
    private final Duration ttl;
    private final Clock clock;

    public RefreshTokens(AuthStore store, Authenticator authenticator, Duration ttl, Clock clock) {
        this.store = store;
        this.authenticator = authenticator;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** A new refresh token of principal, "id.secret"; the secret is shown only here. */
    public String issue(Principal principal) {
        String id = Passwords.randomId();
        String secret = Passwords.randomSecret(32);
        Instant now = clock.instant();
        store.createRefreshToken(new RefreshToken(id, principal.subject(), Passwords.sha256(secret), now, now.plus(ttl),
                null));
        return id + "." + secret;
    }

    /** The principal a refresh token stands for, or empty when it is malformed, unknown, expired, revoked or its principal is gone. */
    public Optional<Principal> principal(String refresh) {
        if (refresh == null) {
            return Optional.empty();
        }
        int dot = refresh.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String id = refresh.substring(0, dot);
        Optional<RefreshToken> token = id.matches("[0-9a-f]{16}") ? store.refreshToken(id) : Optional.empty();
        if (token.isEmpty() || !token.get().activeAt(clock.instant())
                || !Passwords.sameHash(Passwords.sha256(refresh.substring(dot + 1)), token.get().secretHash())) {
            return Optional.empty();
        }
        return authenticator.bySubject(token.get().subject());
    }
}
