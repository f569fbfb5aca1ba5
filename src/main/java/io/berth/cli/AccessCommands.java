package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.AccessAdmin;
import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigLoader;
import io.berth.model.AuthRecords.AuditEntry;
import io.berth.model.AuthRecords.Member;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.Role;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.model.AuthRecords.User;
import io.berth.auth.Passwords;
import io.berth.auth.Principal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * user, namespace, token and audit commands. With --server (or BERTH_SERVER) they are clients of that server's
 * management API, with the logged-in user's rights. Without, they act on the stores directly with the admin's
 * authority (whoever can run them can read the data directory) and work while servers run; every change is audited.
 */
final class AccessCommands {
    private AccessCommands() {}

    /** With a server, asks its management API; else opens the stores, runs with the access admin, closes them. */
    abstract static class AdminCommand implements Callable<Integer> {
        @Mixin
        CommonOptions options;
        @Mixin
        ServerOptions server;

        @Override
        public Integer call() throws Exception {
            ApiClient api = server.client();
            if (api != null) {
                return remote(api);
            }
            BerthConfig config = options.loadForStores(true, this instanceof CommonOptions.ReadsOnly);
            try (Instance instance = Instance.openMetadata(config)) {
                run(instance.admin(), AccessAdmin.commandLine());
            }
            return 0;
        }

        abstract void run(AccessAdmin admin, Principal actor) throws Exception;

        /** The same through the management API; commands without an API form refuse. */
        int remote(ApiClient api) throws Exception {
            throw noRemoteForm();
        }
    }

    static IllegalArgumentException noRemoteForm() {
        return new IllegalArgumentException("this command works on the stores directly and has no --server form: run it"
                + " without --server and BERTH_SERVER where the stores are reachable");
    }

    static final String USER_ROW = "%-24s %-6s %-9s %s%n";
    static final String NS_ROW = "%-32s %-7s %s%n";
    static final String TOKEN_ROW = "%-16s %-20s %-14s %-28s %-16s %-24s %s%n";

    static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asText();
    }

    static String joined(JsonNode array) {
        List<String> values = new java.util.ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return String.join(",", values);
    }

    static void printAudit(String at, String actor, String action, String target, String source, String detail, long count) {
        System.out.printf("%s %-20s %-18s %-30s %s %s%s%n", at, actor, action, target == null ? "" : target,
                source == null ? "" : source, detail == null ? "" : detail, count > 1 ? " (x" + count + " this minute)" : "");
    }

    /** The password given, or a generated one (printed once after the change). */
    static String chosenPassword(String given) {
        return given == null ? Passwords.randomSecret(18) : given;
    }

    static String readPassword(boolean fromStdin, String given) throws IOException {
        if (given != null) {
            return given;
        }
        if (fromStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new IllegalArgumentException("no password on standard input");
            }
            return line;
        }
        return null;
    }

    @Command(name = "user", mixinStandardHelpOptions = true, description = "Manage users.",
            subcommands = {UserAdd.class, UserList.class, UserPasswd.class, UserDisable.class, UserEnable.class, UserImport.class})
    static final class UserCommand {}

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user; prints a generated password unless one is given.")
    static final class UserAdd extends AdminCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--admin", description = "Make the user an instance admin.") boolean isAdmin;
        @Option(names = "--password-stdin", description = "Read the password from standard input.") boolean stdin;
        @Option(names = "--password", description = "The password (prefer --password-stdin).") String password;

        @Override
        void run(AccessAdmin admin, Principal actor) throws Exception {
            String given = readPassword(stdin, password);
            String chosen = chosenPassword(given);
            admin.createUser(actor, name, chosen, isAdmin, "cli");
            added(given, chosen);
        }

        @Override
        int remote(ApiClient api) throws Exception {
            String given = readPassword(stdin, password);
            String chosen = chosenPassword(given);
            api.post("/api/v1/users", b -> b.put("name", name).put("password", chosen).put("admin", isAdmin));
            added(given, chosen);
            return 0;
        }

        private void added(String given, String chosen) {
            System.out.println("added user " + name + (isAdmin ? " (admin)" : ""));
            if (given == null) {
                System.out.println("password: " + chosen);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
    static final class UserList extends AdminCommand implements CommonOptions.ReadsOnly {
        @Override
        void run(AccessAdmin admin, Principal actor) {
            System.out.printf(USER_ROW, "NAME", "ADMIN", "DISABLED", "CREATED");
            for (User u : admin.users(actor)) {
                System.out.printf(USER_ROW, u.name(), u.admin(), u.disabled(), u.createdAt());
            }
        }

        @Override
        int remote(ApiClient api) {
            JsonNode users = api.get("/api/v1/users");
            System.out.printf(USER_ROW, "NAME", "ADMIN", "DISABLED", "CREATED");
            for (JsonNode u : users) {
                System.out.printf(USER_ROW, text(u, "name"), u.path("admin").asBoolean(), u.path("disabled").asBoolean(),
                        text(u, "createdAt"));
            }
            return 0;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Set a user's password (revokes its refresh tokens).")
    static final class UserPasswd extends AdminCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--password-stdin") boolean stdin;
        @Option(names = "--password") String password;

        @Override
        void run(AccessAdmin admin, Principal actor) throws Exception {
            String given = readPassword(stdin, password);
            String chosen = chosenPassword(given);
            admin.changePassword(actor, name, chosen, "cli");
            changed(given, chosen);
        }

        @Override
        int remote(ApiClient api) throws Exception {
            String given = readPassword(stdin, password);
            String chosen = chosenPassword(given);
            api.put("/api/v1/users/" + ApiClient.segment(name) + "/password", b -> b.put("password", chosen));
            changed(given, chosen);
            return 0;
        }

        private void changed(String given, String chosen) {
            System.out.println("password of " + name + " changed");
            if (given == null) {
                System.out.println("password: " + chosen);
            }
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a user: logins and its tokens stop working.")
    static final class UserDisable extends AdminCommand {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.setDisabled(actor, name, true, "cli");
            System.out.println("disabled " + name);
        }

        @Override
        int remote(ApiClient api) {
            api.put("/api/v1/users/" + ApiClient.segment(name) + "/disabled", b -> b.put("disabled", true));
            System.out.println("disabled " + name);
            return 0;
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled user.")
    static final class UserEnable extends AdminCommand {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.setDisabled(actor, name, false, "cli");
            System.out.println("enabled " + name);
        }

        @Override
        int remote(ApiClient api) {
            api.put("/api/v1/users/" + ApiClient.segment(name) + "/disabled", b -> b.put("disabled", false));
            System.out.println("enabled " + name);
            return 0;
        }
    }

    @Command(name = "import-htpasswd", mixinStandardHelpOptions = true,
            description = "Import the users of an htpasswd file with their passwords, all or nothing. Only bcrypt"
                    + " entries (htpasswd -B) can be imported: any other entry, or a user Berth has already (without"
                    + " --update), is reported with its line and nothing is imported.")
    static final class UserImport extends AdminCommand {
        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = "--update", description = "Replace the passwords of users Berth has already.") boolean update;

        @Override
        void run(AccessAdmin admin, Principal actor) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": no such file");
            }
            AccessAdmin.HtpasswdImport result = admin.importHtpasswd(actor, Files.readAllLines(file), update, "cli");
            if (!result.problems().isEmpty()) {
                result.problems().forEach(p -> System.err.println(file + ": " + p));
                throw new IllegalArgumentException("nothing imported: " + result.problems().size()
                        + (result.problems().size() == 1 ? " entry" : " entries") + " of " + file + " refused (listed above)");
            }
            System.out.println("imported " + result.imported().size() + " users, updated " + result.updated().size());
        }
    }

    @Command(name = "namespace", mixinStandardHelpOptions = true, description = "Manage namespaces and their members.",
            subcommands = {NsCreate.class, NsList.class, NsGrant.class, NsRevoke.class, NsPublish.class, NsMembers.class,
                    LifecycleCommands.ImmutableCommand.class, LifecycleCommands.Quota.class, LifecycleCommands.Usage.class})
    static final class NamespaceCommand {}

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a namespace.")
    static final class NsCreate extends AdminCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--public", description = "Anyone may pull (nothing else).") boolean isPublic;
        @Option(names = "--owner", paramLabel = "USER", description = "Make USER its owner.") String owner;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.createNamespace(actor, name, isPublic, owner, "cli");
            created();
        }

        @Override
        int remote(ApiClient api) {
            api.post("/api/v1/namespaces", b -> b.put("name", name).put("public", isPublic).put("owner", owner));
            created();
            return 0;
        }

        private void created() {
            System.out.println("created namespace " + name + (isPublic ? " (public)" : "") + (owner == null ? "" : ", owner " + owner));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List namespaces.")
    static final class NsList extends AdminCommand implements CommonOptions.ReadsOnly {
        @Override
        void run(AccessAdmin admin, Principal actor) {
            System.out.printf(NS_ROW, "NAME", "PUBLIC", "CREATED BY");
            for (Namespace n : admin.namespaces(actor)) {
                System.out.printf(NS_ROW, n.name(), n.isPublic(), n.createdBy());
            }
        }

        @Override
        int remote(ApiClient api) {
            JsonNode namespaces = api.get("/api/v1/namespaces");
            System.out.printf(NS_ROW, "NAME", "PUBLIC", "CREATED BY");
            for (JsonNode n : namespaces) {
                System.out.printf(NS_ROW, text(n, "name"), n.path("public").asBoolean(), text(n, "createdBy"));
            }
            return 0;
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true, description = "Give USER a ROLE (reader, writer, maintainer, owner) in NAMESPACE.")
    static final class NsGrant extends AdminCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE") String namespace;
        @Parameters(index = "1", paramLabel = "USER") String user;
        @Parameters(index = "2", paramLabel = "ROLE") String role;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.grant(actor, namespace, user, Role.parse(role), "cli");
            System.out.println(user + " is now " + Role.parse(role).label() + " of " + namespace);
        }

        @Override
        int remote(ApiClient api) {
            String label = Role.parse(role).label();
            api.put("/api/v1/namespaces/" + ApiClient.segment(namespace) + "/members/" + ApiClient.segment(user),
                    b -> b.put("role", label));
            System.out.println(user + " is now " + label + " of " + namespace);
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Remove USER from NAMESPACE.")
    static final class NsRevoke extends AdminCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE") String namespace;
        @Parameters(index = "1", paramLabel = "USER") String user;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.revoke(actor, namespace, user, "cli");
            System.out.println(user + " removed from " + namespace);
        }

        @Override
        int remote(ApiClient api) {
            api.delete("/api/v1/namespaces/" + ApiClient.segment(namespace) + "/members/" + ApiClient.segment(user));
            System.out.println(user + " removed from " + namespace);
            return 0;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, description = "Make NAMESPACE public (anonymous pull), or private again with --private.")
    static final class NsPublish extends AdminCommand {
        @Parameters(paramLabel = "NAMESPACE") String namespace;
        @Option(names = "--private") boolean makePrivate;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.publish(actor, namespace, !makePrivate, "cli");
            System.out.println(namespace + " is now " + (makePrivate ? "private" : "public"));
        }

        @Override
        int remote(ApiClient api) {
            api.put("/api/v1/namespaces/" + ApiClient.segment(namespace) + "/public", b -> b.put("public", !makePrivate));
            System.out.println(namespace + " is now " + (makePrivate ? "private" : "public"));
            return 0;
        }
    }

    @Command(name = "members", mixinStandardHelpOptions = true, description = "List the members of NAMESPACE.")
    static final class NsMembers extends AdminCommand implements CommonOptions.ReadsOnly {
        @Parameters(paramLabel = "NAMESPACE") String namespace;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            for (Member m : admin.members(actor, namespace)) {
                System.out.printf("%-24s %s%n", m.username(), m.role().label());
            }
        }

        @Override
        int remote(ApiClient api) {
            for (JsonNode m : api.get("/api/v1/namespaces/" + ApiClient.segment(namespace) + "/members")) {
                System.out.printf("%-24s %s%n", text(m, "user"), text(m, "role"));
            }
            return 0;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Manage robot tokens for CI and clusters.",
            subcommands = {TokenCreate.class, TokenList.class, TokenRevoke.class})
    static final class TokenCommand {}

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a robot token; its secret is printed once. Use it as the password of docker login.")
    static final class TokenCreate extends AdminCommand {
        @Option(names = "--name", required = true) String name;
        @Option(names = "--namespace", description = "Limit the token to one namespace.") String namespace;
        @Option(names = "--repo", required = true, paramLabel = "PATTERN", description = "Repository pattern, e.g. team-a/* (repeatable).") List<String> repositories;
        @Option(names = "--actions", required = true, split = ",", description = "pull, push, delete (comma-separated).") List<String> actions;
        @Option(names = "--expires", defaultValue = "90d", description = "Validity, e.g. 30d, 12h. Default: ${DEFAULT-VALUE}.") String expires;
        @Option(names = "--as", paramLabel = "USER", description = "Record USER as the creator (default: the command line); the token never holds more than USER holds.") String as;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            Principal creator = as == null ? actor : Principal.user(as, true);
            AccessAdmin.CreatedToken created = admin.createToken(creator, name, namespace, repositories,
                    new LinkedHashSet<>(actions), ConfigLoader.parseDuration(expires), "cli");
            printCreated(created.token().id(), String.valueOf(created.token().expiresAt()), created.secret());
        }

        @Override
        int remote(ApiClient api) {
            if (as != null) {
                throw new IllegalArgumentException("--as is for the stores directly; with --server the token's creator is"
                        + " the logged-in user");
            }
            JsonNode t = api.post("/api/v1/tokens", b -> {
                b.put("name", name).put("namespace", namespace).put("expiresIn", expires);
                repositories.forEach(b.putArray("repositories")::add);
                actions.forEach(b.putArray("actions")::add);
            });
            printCreated(text(t, "id"), text(t, "expiresAt"), text(t, "secret"));
            return 0;
        }

        private void printCreated(String id, String expiresAt, String secret) {
            System.out.println("created token " + id + " (" + name + "), expires " + expiresAt);
            System.out.println("secret (shown once): " + secret);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List robot tokens.")
    static final class TokenList extends AdminCommand implements CommonOptions.ReadsOnly {
        @Override
        void run(AccessAdmin admin, Principal actor) {
            System.out.printf(TOKEN_ROW, "ID", "NAME", "NAMESPACE", "REPOSITORIES", "ACTIONS", "EXPIRES", "LAST USED");
            for (RobotToken t : admin.tokens(actor)) {
                System.out.printf(TOKEN_ROW, t.id(), t.name(),
                        t.namespace() == null ? "-" : t.namespace(), String.join(",", t.repositories()),
                        String.join(",", t.actions()), t.revokedAt() != null ? "revoked" : String.valueOf(t.expiresAt()),
                        t.lastUsedAt() == null ? "never" : t.lastUsedAt());
            }
        }

        @Override
        int remote(ApiClient api) {
            JsonNode tokens = api.get("/api/v1/tokens");
            System.out.printf(TOKEN_ROW, "ID", "NAME", "NAMESPACE", "REPOSITORIES", "ACTIONS", "EXPIRES", "LAST USED");
            for (JsonNode t : tokens) {
                System.out.printf(TOKEN_ROW, text(t, "id"), text(t, "name"),
                        t.path("namespace").isNull() ? "-" : text(t, "namespace"), joined(t.path("repositories")),
                        joined(t.path("actions")), text(t, "revokedAt") != null ? "revoked" : text(t, "expiresAt"),
                        text(t, "lastUsedAt") == null ? "never" : text(t, "lastUsedAt"));
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a robot token.")
    static final class TokenRevoke extends AdminCommand {
        @Parameters(paramLabel = "ID") String id;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.revokeToken(actor, id, "cli");
            System.out.println("revoked token " + id);
        }

        @Override
        int remote(ApiClient api) {
            api.delete("/api/v1/tokens/" + ApiClient.segment(id));
            System.out.println("revoked token " + id);
            return 0;
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true, description = "Show the audit log, newest first.")
    static final class AuditCommand extends AdminCommand implements CommonOptions.ReadsOnly {
        @Option(names = "--limit", defaultValue = "50") int limit;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            for (AuditEntry e : admin.auditLog(actor, limit)) {
                printAudit(String.valueOf(e.at()), e.actor(), e.action(), e.target(), e.source(), e.detail(), e.count());
            }
        }

        @Override
        int remote(ApiClient api) {
            for (JsonNode e : api.get("/api/v1/audit?n=" + limit)) {
                printAudit(text(e, "at"), text(e, "actor"), text(e, "action"), text(e, "target"), text(e, "source"),
                        text(e, "detail"), e.path("count").asLong());
            }
            return 0;
        }
    }
}
