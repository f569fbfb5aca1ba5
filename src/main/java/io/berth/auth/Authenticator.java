package io.berth.auth;

import io.berth.metadata.AuthRecords.AuditEntry;
import io.berth.metadata.AuthRecords.RobotToken;
import io.berth.metadata.AuthRecords.User;
import io.berth.metadata.AuthStore;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks credentials: a user's password, or a robot token ({@code berth_<id>_<secret>}) given as the password.
 * Successful bcrypt checks are remembered for a minute (keyed by the stored hash too, so a new password counts at
 * once); whether the user is disabled is read on every call.
 */
public final class Authenticator {
    public static final String ROBOT_PREFIX = "berth_";
    private static final long VERIFIED_MILLIS = 60_000;

    private final AuthStore store;
    private final Clock clock;
    private final LoginLimiter limiter;
    /** Hash of user, password and stored hash → time verified. */
    private final Map<String, Long> verified = new ConcurrentHashMap<>();

    public Authenticator(AuthStore store, Clock clock, int maxFailuresPerMinute) {
        this.store = store;
        this.clock = clock;
        this.limiter = new LoginLimiter(maxFailuresPerMinute, clock);
    }

    /** The principal for username and password, or empty when they do not match an active account. */
    public Optional<Principal> login(String username, String password, String source) {
        if (username == null || password == null) {
            return Optional.empty();
        }
        if (limiter.blocked(username, source)) {
            throw new RegistryException(ErrorCode.TOOMANYREQUESTS, "too many failed logins; try again in a minute");
        }
        Optional<Principal> principal = password.startsWith(ROBOT_PREFIX) ? robot(password, source) : user(username, password, source);
        if (principal.isEmpty()) {
            limiter.failed(username, source);
            audit(username, "login.failed", null, source);
        }
        return principal;
    }

    /** Records a login that checked a secret (not one answered from the one-minute memory of checked passwords). */
    private void audited(String actor, String source) {
        audit(actor, "login", null, source);
    }

    private Optional<Principal> user(String username, String password, String source) {
        Optional<User> user = store.user(username);
        if (user.isEmpty() || user.get().disabled()) {
            // Spend the time a check would, so a missing user is not told apart by speed.
            Passwords.matches(password, DummyHash.VALUE);
            return Optional.empty();
        }
        String key = Passwords.sha256(username + '\0' + password + '\0' + user.get().passwordHash());
        Long when = verified.get(key);
        long now = clock.millis();
        if (when == null || now - when > VERIFIED_MILLIS) {
            if (!Passwords.matches(password, user.get().passwordHash())) {
                return Optional.empty();
            }
            if (verified.size() > 10_000) {
                verified.clear();
            }
            verified.put(key, now);
            audited(username, source);
        }
        return Optional.of(Principal.user(username, user.get().admin()));
    }

    private Optional<Principal> robot(String token, String source) {
        String rest = token.substring(ROBOT_PREFIX.length());
        int underscore = rest.indexOf('_');
        if (underscore <= 0) {
            return Optional.empty();
        }
        String id = rest.substring(0, underscore);
        String secret = rest.substring(underscore + 1);
        Optional<RobotToken> robot = id.matches("[0-9a-f]{16}") ? store.robot(id) : Optional.empty();
        if (robot.isEmpty() || !Passwords.sameHash(Passwords.sha256(secret), robot.get().secretHash())
                || !robot.get().activeAt(clock.instant())) {
            return Optional.empty();
        }
        store.touchRobot(id, clock.instant());
        audited("robot:" + robot.get().name(), source);
        return Optional.of(Principal.robot(robot.get()));
    }

    /** The principal a token subject names, if it is still active (users not disabled, robots not revoked). */
    public Optional<Principal> bySubject(String subject) {
        if (subject == null || subject.isEmpty()) {
            return Optional.empty();
        }
        if (subject.startsWith("robot:")) {
            return store.robot(subject.substring("robot:".length()))
                    .filter(r -> r.activeAt(clock.instant()))
                    .map(Principal::robot);
        }
        return store.user(subject).filter(u -> !u.disabled()).map(u -> Principal.user(u.name(), u.admin()));
    }

    /** A real hash to check against when there is no user, made once on first use. */
    private static final class DummyHash {
        static final String VALUE = Passwords.hash(Passwords.randomSecret(16));
    }

    private void audit(String actor, String action, String target, String source) {
        store.audit(new AuditEntry(Passwords.randomId(), clock.instant(), actor, action, target, source, null));
    }
}
