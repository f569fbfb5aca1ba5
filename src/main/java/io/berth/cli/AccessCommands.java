package io.berth.cli;

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
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * user, namespace, token and audit commands. They act on the stores directly with the admin's authority (whoever
 * can run them can read the data directory) and work while servers run; every change is audited.
 */
final class AccessCommands {
    private AccessCommands() {}

    /** Opens the stores, runs work with the access admin, closes the stores. */
    abstract static class AdminCommand implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Override
        public Integer call() throws Exception {
            BerthConfig config = options.load(Map.of());
            try (Instance instance = Instance.openMetadata(config)) {
                run(instance.admin(), AccessAdmin.commandLine());
            }
            return 0;
        }

        abstract void run(AccessAdmin admin, Principal actor) throws Exception;
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
            String chosen = given == null ? Passwords.randomSecret(18) : given;
            admin.createUser(actor, name, chosen, isAdmin, "cli");
            System.out.println("added user " + name + (isAdmin ? " (admin)" : ""));
            if (given == null) {
                System.out.println("password: " + chosen);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
    static final class UserList extends AdminCommand {
        @Override
        void run(AccessAdmin admin, Principal actor) {
            System.out.printf("%-24s %-6s %-9s %s%n", "NAME", "ADMIN", "DISABLED", "CREATED");
            for (User u : admin.users(actor)) {
                System.out.printf("%-24s %-6s %-9s %s%n", u.name(), u.admin(), u.disabled(), u.createdAt());
            }
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
            String chosen = given == null ? Passwords.randomSecret(18) : given;
            admin.changePassword(actor, name, chosen, "cli");
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
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled user.")
    static final class UserEnable extends AdminCommand {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            admin.setDisabled(actor, name, false, "cli");
            System.out.println("enabled " + name);
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
            System.out.println("created namespace " + name + (isPublic ? " (public)" : "") + (owner == null ? "" : ", owner " + owner));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List namespaces.")
    static final class NsList extends AdminCommand {
        @Override
        void run(AccessAdmin admin, Principal actor) {
            System.out.printf("%-32s %-7s %s%n", "NAME", "PUBLIC", "CREATED BY");
            for (Namespace n : admin.namespaces(actor)) {
                System.out.printf("%-32s %-7s %s%n", n.name(), n.isPublic(), n.createdBy());
            }
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
    }

    @Command(name = "members", mixinStandardHelpOptions = true, description = "List the members of NAMESPACE.")
    static final class NsMembers extends AdminCommand {
        @Parameters(paramLabel = "NAMESPACE") String namespace;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            for (Member m : admin.members(actor, namespace)) {
                System.out.printf("%-24s %s%n", m.username(), m.role().label());
            }
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
            System.out.println("created token " + created.token().id() + " (" + name + "), expires " + created.token().expiresAt());
            System.out.println("secret (shown once): " + created.secret());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List robot tokens.")
    static final class TokenList extends AdminCommand {
        @Override
        void run(AccessAdmin admin, Principal actor) {
            System.out.printf("%-16s %-20s %-14s %-28s %-16s %-24s %s%n", "ID", "NAME", "NAMESPACE", "REPOSITORIES", "ACTIONS", "EXPIRES", "LAST USED");
            for (RobotToken t : admin.tokens(actor)) {
                System.out.printf("%-16s %-20s %-14s %-28s %-16s %-24s %s%n", t.id(), t.name(),
                        t.namespace() == null ? "-" : t.namespace(), String.join(",", t.repositories()),
                        String.join(",", t.actions()), t.revokedAt() != null ? "revoked" : String.valueOf(t.expiresAt()),
                        t.lastUsedAt() == null ? "never" : t.lastUsedAt());
            }
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
    }

    @Command(name = "audit", mixinStandardHelpOptions = true, description = "Show the audit log, newest first.")
    static final class AuditCommand extends AdminCommand {
        @Option(names = "--limit", defaultValue = "50") int limit;

        @Override
        void run(AccessAdmin admin, Principal actor) {
            for (AuditEntry e : admin.auditLog(actor, limit)) {
                System.out.printf("%s %-20s %-18s %-30s %s %s%s%n", e.at(), e.actor(), e.action(),
                        e.target() == null ? "" : e.target(), e.source() == null ? "" : e.source(),
                        e.detail() == null ? "" : e.detail(), e.count() > 1 ? " (x" + e.count() + " this minute)" : "");
            }
        }
    }
}
