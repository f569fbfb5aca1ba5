package io.berth.auth;

import io.berth.model.AuthRecords.RobotToken;
import io.berth.model.AuthRecords.User;
import io.berth.metadata.AuthStore;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks credentials: a user's password, or a robot token ({@code berth_<id>_<secret>}) given as the password.
 * A password is read as a robot token only when it has exactly that form (16 hex digits of id); new passwords may
 * not start with {@code berth_} at all (see {@link Passwords#hash}), so no password set through Berth is ever taken
 * for a token. Successful bcrypt checks are remembered for a minute (keyed by the stored hash too, so a new password
 * counts at once); whether the user is disabled is read on every call. Failed logins are limited per account and
 * source address ({@link LoginLimiter}); logins, failures and refusals are audited in rows folded per minute.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    public static final String ROBOT_PREFIX = "berth_";
    private static final Pattern ROBOT_TOKEN = Pattern.compile("berth_([0-9a-f]{16})_(.+)", Pattern.DOTALL);
    private static final long VERIFIED_MILLIS = 60_000;

    private final AuthStore store;
    private final Clock clock;
    /** The audit actor of failed logins to accounts that do not exist. */
    static final String UNKNOWN_ACCOUNT = "(unknown account)";
    private final LoginLimiter limiter;
    /** Hash of user, password and stored hash → time verified. */
    private final Map<String, Long> verified = new ConcurrentHashMap<>();

    public Authenticator(AuthStore store, Clock clock, int maxFailuresPerMinute) {
        this.store = store;
        this.clock = clock;
        this.limiter = new LoginLimiter(maxFailuresPerMinute, clock);
    }

    /** The web UI's login sessions on the same store, lasting ttl each. */
    public LoginSessions sessions(java.time.Duration ttl) {
        return new LoginSessions(store, ttl, clock);
    }

    /** True when a password has the form of a robot token and is checked as one. */
    public static boolean isRobotToken(String password) {
        return password != null && ROBOT_TOKEN.matcher(password).matches();
    }

    /**
     * The account a login attempt names, for logs: the user name, or {@code robot:ID} when the password is a robot
     * token (never the password or the token's secret); null without a user name.
     */
    public static String account(String username, String password) {
        Matcher robotToken = ROBOT_TOKEN.matcher(password == null ? "" : password);
        return robotToken.matches() ? "robot:" + robotToken.group(1) : username;
    }

    /** The principal for username and password, or empty when they do not match an active account. */
    public Optional<Principal> login(String username, String password, String source) {
        if (username == null || password == null) {
            return Optional.empty();
        }
        Matcher robotToken = ROBOT_TOKEN.matcher(password);
        boolean robot = robotToken.matches();
        // A robot token is limited by its id, whatever user name came with it.
        String account = robot ? "robot:" + robotToken.group(1) : username;
        if (limiter.blocked(account, source)) {
            LOG.debug("login {} from {} refused: too many failed logins", account, source);
            store.auditFolded(audited(account, robot, robot ? robotToken.group(1) : username), "login.refused",
                    source, clock.instant());
            throw new RegistryException(ErrorCode.TOOMANYREQUESTS, "too many failed logins; try again in a minute");
        }
        Optional<Principal> principal = robot ? robot(robotToken.group(1), robotToken.group(2))
                : user(username, password);
        if (principal.isEmpty()) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("login {} from {} refused: {}", account, source, robot ? robotRefusal(robotToken.group(1))
                        : store.user(username).map(u -> u.disabled() ? "user disabled" : "wrong password")
                        .orElse("no such user"));
            }
            limiter.failed(account, source);
            store.auditFolded(audited(account, robot, robot ? robotToken.group(1) : username), "login.failed",
                    source, clock.instant());
        } else {
            store.auditFolded(principal.get().name(), "login", source, clock.instant());
        }
        return principal;
    }

    /**
     * The actor a failed or refused login is audited under: the account when it exists, else one name for all
     * unknown ones, so guesses of made-up names from one address fold into one row a minute instead of one each.
     */
    private String audited(String account, boolean robot, String name) {
        boolean known = robot ? store.robot(name).isPresent() : store.user(name).isPresent();
        return known ? account : UNKNOWN_ACCOUNT;
    }

    private Optional<Principal> user(String username, String password) {
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
        }
        return Optional.of(Principal.user(username, user.get().admin()));
    }

    /** Why a robot token was refused, for the debug log. */
    private String robotRefusal(String id) {
        return store.robot(id).map(r -> r.activeAt(clock.instant()) ? "wrong robot token secret"
                : "robot token revoked or expired").orElse("no such robot token");
    }

    private Optional<Principal> robot(String id, String secret) {
        Optional<RobotToken> robot = store.robot(id);
        if (robot.isEmpty() || !Passwords.sameHash(Passwords.sha256(secret), robot.get().secretHash())
                || !robot.get().activeAt(clock.instant())) {
            return Optional.empty();
        }
        store.touchRobot(id, clock.instant());
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
}
