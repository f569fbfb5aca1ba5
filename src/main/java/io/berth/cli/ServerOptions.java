package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.config.BerthConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * --server URL (or BERTH_SERVER): the command is a client of that server's management API. Credentials come from
 * BERTH_USER/BERTH_PASSWORD, else from the login file {@code berth login} wrote (~/.config/berth/login.json or
 * $BERTH_LOGIN_FILE, mode 0600), else none (a server without access control).
 */
final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL",
            description = "Act through the management API of the Berth at URL (e.g. https://registry:5000). Default: $BERTH_SERVER")
    String server;

    /** The command this is mixed into, to see which flags were given. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The server URL given (--server, else BERTH_SERVER), normalised, or null. Flags beat the environment: an explicit
     * --config flag makes BERTH_SERVER not apply; --server and --config both as flags refuse (no command needs both).
     */
    URI serverUrl() {
        boolean configFlag = configFlagGiven();
        if (server != null && configFlag) {
            // A usage error (exit 2, like picocli's own): no command acts on both a server and a configuration.
            throw new picocli.CommandLine.ParameterException(command.commandLine(), "give --server or --config, not both");
        }
        String url = server != null ? server : configFlag ? null : System.getenv("BERTH_SERVER");
        return url == null || url.isBlank() ? null : normalize(url);
    }

    private boolean configFlagGiven() {
        if (command == null || command.commandLine() == null || command.commandLine().getParseResult() == null) {
            return false;
        }
        return command.commandLine().getParseResult().hasMatchedOption("--config");
    }

    /** A client of the given server, or null when none is given. */
    ApiClient client() {
        URI url = serverUrl();
        return url == null ? null : client(url);
    }

    /** A client of url with the credentials that apply to it. */
    static ApiClient client(URI url) {
        String user = System.getenv("BERTH_USER");
        if (user != null && !user.isBlank()) {
            String password = System.getenv("BERTH_PASSWORD");
            if (password == null) {
                throw new IllegalArgumentException("BERTH_USER is set but BERTH_PASSWORD is not");
            }
            return new ApiClient(url, user, password).credentialsFrom(ApiClient.Credentials.GIVEN);
        }
        JsonNode saved = readLogins().path("servers").path(url.toString());
        if (saved.hasNonNull("username")) {
            return new ApiClient(url, saved.get("username").asText(), saved.path("password").asText())
                    .credentialsFrom(ApiClient.Credentials.LOGIN_FILE);
        }
        return new ApiClient(url, null, null);
    }

    /** "host:port" becomes http://host:port; a trailing slash goes; a path is refused. */
    static URI normalize(String text) {
        String t = text.trim();
        if (!t.contains("://")) {
            t = "http://" + t;
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a server URL: " + text);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("not a server URL (expected http://HOST:PORT or https://HOST:PORT): " + text);
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("--server takes scheme://host:port, without a path: " + text);
        }
        return URI.create(scheme + "://" + uri.getRawAuthority());
    }

    /** The URL a server started with this configuration answers on (its http.listen; https with http.tls). */
    static URI fromConfig(BerthConfig config) {
        String listen = config.http().listen();
        int colon = listen.lastIndexOf(':');
        String host = colon < 0 ? listen : listen.substring(0, colon);
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("[::]") || host.equals("::")) {
            host = "127.0.0.1";
        }
        return normalize((config.http().tls().enabled() ? "https://" : "http://") + host
                + (colon < 0 ? "" : listen.substring(colon)));
    }

    // ---- the login file

    static Path loginFile() {
        String env = System.getenv("BERTH_LOGIN_FILE");
        if (env != null && !env.isBlank()) {
            return Path.of(env.trim());
        }
        String home = System.getenv("HOME");
        return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, ".config", "berth",
                "login.json");
    }

    static ObjectNode readLogins() {
        Path file = loginFile();
        if (!Files.exists(file)) {
            return Json.object();
        }
        try {
            JsonNode node = Json.read(Files.readAllBytes(file));
            return node instanceof ObjectNode object ? object : Json.object();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the login file " + file + " is not valid JSON; run berth login again");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the login file " + file + ": " + OneLine.describe(e));
        }
    }

    /** The logins to rewrite: a login file that is not valid JSON is replaced, not a reason to refuse a login. */
    static ObjectNode readLoginsToRewrite() {
        try {
            return readLogins();
        } catch (IllegalArgumentException e) {
            if (e.getMessage().endsWith("is not valid JSON; run berth login again")) {
                System.err.println("berth: note: replacing the login file " + loginFile() + ", which was not valid JSON");
                return Json.object();
            }
            throw e;
        }
    }

    /** Writes logins to the login file through a temporary file created 0600, then renamed over it. */
    static void writeLogins(ObjectNode logins) {
        Path file = loginFile().toAbsolutePath();
        try {
            Path dir = file.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path temp = Files.createTempFile(dir, ".login-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temp, Json.write(logins, true));
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the login file " + file + ": " + e.getMessage(), e);
        }
    }
}
