package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Console;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** berth login URL and berth logout URL: the credentials --server commands use, kept in the login file. */
final class LoginCommands {
    private LoginCommands() {}

    @Command(name = "login", mixinStandardHelpOptions = true,
            description = {"Check a user's credentials against the Berth at URL (GET /api/v1/me) and keep them for"
                    + " --server commands in ~/.config/berth/login.json (or $BERTH_LOGIN_FILE), readable by you only.",
                    "BERTH_USER and BERTH_PASSWORD, when set, take precedence over the file."})
    static final class Login implements Callable<Integer> {
        @Parameters(paramLabel = "URL", description = "The server, e.g. https://registry.example.com:5000")
        String url;
        @Option(names = {"-u", "--username"}) String username;
        @Option(names = "--password-stdin", description = "Read the password from standard input.") boolean stdin;

        @Override
        public Integer call() throws Exception {
            URI server = ServerOptions.normalize(url);
            Console console = System.console();
            String user = username;
            if (user == null) {
                if (console == null) {
                    throw new IllegalArgumentException("no terminal to ask for the user name: give --username");
                }
                user = console.readLine("Username: ");
            }
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("no user name given");
            }
            String password = AccessCommands.readPassword(stdin, null);
            if (password == null) {
                if (console == null) {
                    throw new IllegalArgumentException("no terminal to ask for the password: give --password-stdin");
                }
                char[] typed = console.readPassword("Password: ");
                password = typed == null ? "" : new String(typed);
            }
            JsonNode me = new ApiClient(server, user.trim(), password).credentialsFrom(ApiClient.Credentials.GIVEN)
                    .get("/api/v1/me");
            if (me == null || "anonymous".equals(me.path("kind").asText())) {
                System.err.println("berth: note: " + server + " has no access control; the credentials were not checked");
            }
            ObjectNode logins = ServerOptions.readLoginsToRewrite();
            ObjectNode servers = logins.has("servers") && logins.get("servers").isObject()
                    ? (ObjectNode) logins.get("servers") : logins.putObject("servers");
            ObjectNode entry = servers.putObject(server.toString());
            entry.put("username", user.trim());
            entry.put("password", password);
            ServerOptions.writeLogins(logins);
            System.out.println("logged in to " + server + " as " + user.trim() + " (saved in " + ServerOptions.loginFile() + ")");
            return 0;
        }
    }

    @Command(name = "logout", mixinStandardHelpOptions = true, description = "Forget the credentials kept for the server at URL.")
    static final class Logout implements Callable<Integer> {
        @Parameters(paramLabel = "URL") String url;

        @Override
        public Integer call() {
            URI server = ServerOptions.normalize(url);
            ObjectNode logins = ServerOptions.readLogins();
            JsonNode servers = logins.path("servers");
            if (!(servers instanceof ObjectNode object) || object.remove(server.toString()) == null) {
                System.err.println("berth: not logged in to " + server);
                return 1;
            }
            ServerOptions.writeLogins(logins);
            System.out.println("logged out of " + server);
            return 0;
        }
    }
}
