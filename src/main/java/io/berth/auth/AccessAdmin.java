package io.berth.auth;

import io.berth.model.AuthRecords.AuditEntry;
import io.berth.model.AuthRecords.Member;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.Role;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.model.AuthRecords.User;
import io.berth.metadata.AuthStore;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every change to users, namespaces, members and robot tokens, with its permission check and its audit entry.
 * The command line and the management API both call this; neither decides anything itself.
 */
public final class AccessAdmin {
    private static final Pattern USER_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");

    private final AuthStore store;
    private final AccessPolicy policy;
    private final Clock clock;
    /** Appended to the detail of every audit entry this instance writes (the web UI's "(web UI)"), or null. */
    private final String auditNote;

    public AccessAdmin(AuthStore store, AccessPolicy policy, Clock clock) {
        this(store, policy, clock, null);
    }

    private AccessAdmin(AuthStore store, AccessPolicy policy, Clock clock, String auditNote) {
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.auditNote = auditNote;
    }

    /** The same service, whose audit entries' details end in note (a front door marking its changes). */
    public AccessAdmin noting(String note) {
        return new AccessAdmin(store, policy, clock, note);
    }

    /** detail with note appended (detail may be null or empty: then the note alone). */
    public static String noted(String detail, String note) {
        return note == null ? detail : detail == null || detail.isEmpty() ? note : detail + " " + note;
    }

    /** The command line acts with the instance admin's authority: it runs with access to the data directory. */
    public static Principal commandLine() {
        return Principal.user("cli:" + System.getProperty("user.name", "unknown"), true);
    }

    // ---- users

    /** Creates the first admin when no user exists; returns the generated password, or empty when none was made. */
    public Optional<String> bootstrapAdmin(String configuredPassword) {
        if (store.countUsers() > 0) {
            return Optional.empty();
        }
        boolean generated = configuredPassword == null || configuredPassword.isBlank();
        String password = generated ? Passwords.randomSecret(18) : configuredPassword;
        String hash;
        try {
            hash = Passwords.hash(password);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auth.adminPassword / BERTH_ADMIN_PASSWORD: " + e.getMessage());
        }
        if (store.createUser(new User("admin", hash, true, false, clock.instant()))) {
            audit("system", "user.create", "admin", null, "first start");
            return generated ? Optional.of(password) : Optional.of("");
        }
        return Optional.empty();
    }

    public User createUser(Principal actor, String name, String password, boolean admin, String source) {
        requireAdmin(actor);
        checkUserName(name);
        User user = new User(name, newPasswordHash(password), admin, false, clock.instant());
        if (!store.createUser(user)) {
            throw invalid("user " + name + " exists");
        }
        audit(actor.name(), "user.create", name, source, admin ? "admin" : null);
        return user;
    }

    /** What an htpasswd import did: nothing when there are problems, else the users it created and updated. */
    public record HtpasswdImport(List<Htpasswd.Problem> problems, List<String> imported, List<String> updated) {}

    /**
     * Imports the users of an htpasswd file, all or nothing: every line is checked first (bcrypt entries only, user
     * names Berth takes, each user once, and, unless update, no user Berth has already), and any problem means
     * nothing is written. Otherwise one transaction creates the new users (not admins) and, with update, replaces
     * the existing users' passwords, revoking their refresh tokens as a password change does.
     */
    public HtpasswdImport importHtpasswd(Principal actor, List<String> lines, boolean update, String source) {
        requireAdmin(actor);
        Htpasswd.Parsed parsed = Htpasswd.parse(lines, AccessAdmin::validUserName);
        List<Htpasswd.Problem> problems = new ArrayList<>(parsed.problems());
        List<User> created = new ArrayList<>();
        Map<String, String> replaced = new LinkedHashMap<>();
        Instant now = clock.instant();
        for (Htpasswd.Entry entry : parsed.entries()) {
            if (store.user(entry.user()).isEmpty()) {
                created.add(new User(entry.user(), entry.hash(), false, false, now));
            } else if (update) {
                replaced.put(entry.user(), entry.hash());
            } else {
                problems.add(new Htpasswd.Problem(entry.line(), entry.user(),
                        "user exists in Berth (--update replaces its password)"));
            }
        }
        if (!problems.isEmpty()) {
            problems.sort(Comparator.comparingInt(Htpasswd.Problem::line));
            return new HtpasswdImport(problems, List.of(), List.of());
        }
        List<AuditEntry> audit = new ArrayList<>();
        created.forEach(u -> audit.add(entry(now, actor.name(), "user.import", u.name(), source, "htpasswd")));
        replaced.keySet().forEach(u -> audit.add(entry(now, actor.name(), "user.password", u, source, "htpasswd")));
        if (!store.importUsers(created, replaced, now, audit)) {
            throw invalid("users were added or changed during the import; nothing was imported, run it again");
        }
        return new HtpasswdImport(List.of(), created.stream().map(User::name).toList(), List.copyOf(replaced.keySet()));
    }

    public void changePassword(Principal actor, String name, String password, String source) {
        if (!actor.admin() && !(actor.kind() == Principal.Kind.USER && actor.name().equals(name))) {
            throw denied("only an admin or the user may change a password");
        }
        if (!store.setPassword(name, newPasswordHash(password))) {
            throw notFound("user " + name);
        }
        store.revokeRefreshTokens(name, clock.instant());
        audit(actor.name(), "user.password", name, source, null);
    }

    /**
     * Disables or enables a user. Nobody disables their own account, and the last enabled admin is never disabled
     * (that would lock everyone out of the management API and the UI); both are refused with 409.
     */
    public void setDisabled(Principal actor, String name, boolean disabled, String source) {
        requireAdmin(actor);
        if (disabled && actor.kind() == Principal.Kind.USER && actor.name().equals(name)) {
            throw new RegistryException(ErrorCode.LOCKOUT, "you cannot disable your own account; another admin can");
        }
        if (disabled && store.user(name).map(u -> u.admin() && !u.disabled()).orElse(false)
                && store.users().stream().noneMatch(u -> u.admin() && !u.disabled() && !u.name().equals(name))) {
            throw new RegistryException(ErrorCode.LOCKOUT, name + " is the last enabled admin; make or enable "
                    + "another admin before disabling it");
        }
        if (!store.setDisabled(name, disabled)) {
            throw notFound("user " + name);
        }
        if (disabled) {
            store.revokeRefreshTokens(name, clock.instant());
        }
        audit(actor.name(), disabled ? "user.disable" : "user.enable", name, source, null);
    }

    public List<User> users(Principal actor) {
        requireAdmin(actor);
        return store.users();
    }

    // ---- namespaces

    public Namespace createNamespace(Principal actor, String name, boolean isPublic, String owner, String source) {
        requireAdmin(actor);
        if (!NAMESPACE.matcher(name).matches()) {
            throw invalid("invalid namespace name: use lower-case letters, digits and . _ - separators");
        }
        if (owner != null && store.user(owner).isEmpty()) {
            throw notFound("user " + owner);
        }
        Namespace namespace = new Namespace(name, isPublic, actor.name(), clock.instant());
        if (!store.createNamespace(namespace)) {
            throw invalid("namespace " + name + " exists");
        }
        audit(actor.name(), "namespace.create", name, source, isPublic ? "public" : null);
        if (owner != null) {
            store.grant(name, owner, Role.OWNER);
            audit(actor.name(), "namespace.grant", name + ":" + owner, source, "owner");
        }
        return namespace;
    }

    /** Creates a namespace on an admin's first push into it. */
    public void ensureNamespaceForAdminPush(Principal actor, String name, String source) {
        if (actor.admin() && store.namespace(name).isEmpty()
                && store.createNamespace(new Namespace(name, false, actor.name(), clock.instant()))) {
            audit(actor.name(), "namespace.create", name, source, "created by push");
        }
    }

    public void grant(Principal actor, String namespace, String username, Role role, String source) {
        requireNamespace(namespace);
        requireManager(actor, namespace);
        if (store.user(username).isEmpty()) {
            throw notFound("user " + username);
        }
        store.grant(namespace, username, role);
        audit(actor.name(), "namespace.grant", namespace + ":" + username, source, role.label());
    }

    public void revoke(Principal actor, String namespace, String username, String source) {
        requireNamespace(namespace);
        requireManager(actor, namespace);
        if (!store.revoke(namespace, username)) {
            throw notFound(username + " is not a member of " + namespace);
        }
        audit(actor.name(), "namespace.revoke", namespace + ":" + username, source, null);
    }

    public void publish(Principal actor, String namespace, boolean isPublic, String source) {
        requireNamespace(namespace);
        requireManager(actor, namespace);
        store.setPublic(namespace, isPublic);
        audit(actor.name(), isPublic ? "namespace.publish" : "namespace.unpublish", namespace, source, null);
    }

    public List<Namespace> namespaces(Principal actor) {
        if (actor.admin()) {
            return store.namespaces();
        }
        Map<String, Role> mine = actor.kind() == Principal.Kind.USER ? store.memberships(actor.name()) : Map.of();
        return store.namespaces().stream().filter(n -> n.isPublic() || mine.containsKey(n.name())).toList();
    }

    public List<Member> members(Principal actor, String namespace) {
        requireNamespace(namespace);
        if (!actor.admin() && (actor.kind() != Principal.Kind.USER || store.role(namespace, actor.name()).isEmpty())) {
            throw denied("only members see the members of " + namespace);
        }
        return store.members(namespace);
    }

    // ---- robot tokens

    /** A new robot token and its secret, which is shown this once. */
    public record CreatedToken(RobotToken token, String secret) {}

    public CreatedToken createToken(Principal actor, String name, String namespace, List<String> repositories,
                                    Set<String> actions, Duration validFor, String source) {
        if (actor.kind() != Principal.Kind.USER) {
            throw denied("only users create tokens");
        }
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
            throw invalid("a token needs a name of letters, digits and . _ -");
        }
        Set<String> wanted = new LinkedHashSet<>(actions);
        if (wanted.isEmpty() || !AccessPolicy.ALL.containsAll(wanted)) {
            throw invalid("actions must be some of pull, push, delete");
        }
        if (repositories.isEmpty()) {
            throw invalid("a token needs at least one repository pattern, e.g. team-a/*");
        }
        if (namespace != null) {
            requireNamespace(namespace);
            requireManager(actor, namespace);
            for (String pattern : repositories) {
                if (!pattern.startsWith(namespace + "/")) {
                    throw invalid("pattern " + pattern + " is outside namespace " + namespace);
                }
            }
        } else if (!actor.admin()) {
            throw denied("only an admin creates tokens for no particular namespace; give --namespace");
        }
        if (validFor == null || validFor.isNegative() || validFor.isZero()) {
            throw invalid("a token needs an expiry (e.g. 90d)");
        }
        String id = Passwords.randomId();
        String secret = Passwords.randomSecret(32);
        Instant now = clock.instant();
        RobotToken token = new RobotToken(id, name, actor.name(), namespace, List.copyOf(repositories), wanted,
                Passwords.sha256(secret), now, now.plus(validFor), null, null);
        store.createRobot(token);
        audit(actor.name(), "token.create", id, source, name + " " + repositories + " " + wanted);
        return new CreatedToken(token, Authenticator.ROBOT_PREFIX + id + "_" + secret);
    }

    public List<RobotToken> tokens(Principal actor) {
        if (actor.admin()) {
            return store.robots();
        }
        return store.robots().stream()
                .filter(t -> t.createdBy().equals(actor.name())
                        || (t.namespace() != null && policy.canManage(actor, t.namespace())))
                .toList();
    }

    public void revokeToken(Principal actor, String id, String source) {
        RobotToken token = store.robot(id).orElseThrow(() -> notFound("token " + id));
        boolean allowed = actor.admin() || token.createdBy().equals(actor.name())
                || (token.namespace() != null && policy.canManage(actor, token.namespace()));
        if (!allowed) {
            throw denied("only an admin, the token's creator or its namespace's owner may revoke it");
        }
        store.revokeRobot(id, clock.instant());
        audit(actor.name(), "token.revoke", id, source, token.name());
    }

    // ---- audit

    public List<AuditEntry> auditLog(Principal actor, int limit) {
        requireAdmin(actor);
        return store.auditLog(Math.max(1, Math.min(limit, 10_000)));
    }

    /** The entries query selects, newest first, at most limit (1 to 10,000); admins only. */
    public List<AuditEntry> auditLog(Principal actor, io.berth.model.AuthRecords.AuditQuery query, int limit) {
        requireAdmin(actor);
        return store.auditLog(query, Math.max(1, Math.min(limit, 10_000)));
    }

    public void audit(String actor, String action, String target, String source, String detail) {
        store.audit(entry(clock.instant(), actor, action, target, source, detail));
    }

    private AuditEntry entry(Instant at, String actor, String action, String target, String source, String detail) {
        return new AuditEntry(Passwords.randomId(), at, actor, action, target, source, noted(detail, auditNote));
    }

    // ---- checks

    private void requireNamespace(String namespace) {
        if (store.namespace(namespace).isEmpty()) {
            throw notFound("namespace " + namespace);
        }
    }

    private void requireManager(Principal actor, String namespace) {
        if (!policy.canManage(actor, namespace)) {
            throw denied("only an admin or an owner of " + namespace + " may do this");
        }
    }

    private static void requireAdmin(Principal actor) {
        if (!actor.admin()) {
            throw denied("only an admin may do this");
        }
    }

    /** The hash of a new password; a password Berth refuses (too short, too long, berth_ prefix) is a 400. */
    private static String newPasswordHash(String password) {
        try {
            return Passwords.hash(password);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static boolean validUserName(String name) {
        return name != null && USER_NAME.matcher(name).matches() && !name.startsWith("robot");
    }

    private static void checkUserName(String name) {
        if (!validUserName(name)) {
            throw invalid("invalid user name: lower-case letters, digits and . _ - (at most 64), not starting with 'robot'");
        }
    }

    private static RegistryException denied(String message) {
        return new RegistryException(ErrorCode.DENIED, message);
    }

    private static RegistryException invalid(String message) {
        return new RegistryException(ErrorCode.INVALID_REQUEST, message);
    }

    private static RegistryException notFound(String what) {
        return new RegistryException(ErrorCode.NOT_FOUND, what + " not found");
    }
}
