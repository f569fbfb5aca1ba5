package io.berth.http;

import io.netty.handler.codec.http.HttpMethod;
import java.util.regex.Pattern;

/**
 * One API endpoint: its name (for logs and metrics), method, path pattern, the action access control checks, and
 * its handler. {@link Routes} holds them all in one list that drives dispatch and 405 answers.
 */
public record Route(String name, HttpMethod method, Pattern pattern, Action action, Handler handler) {

    /** What a route does to a repository, as access control sees it. */
    public enum Action {
        /** Open to anyone (health, the token endpoint). */
        NONE,
        /** The API base: open while access control is off, else any authenticated caller. */
        BASE,
        PULL, PUSH, DELETE,
        /** The catalog: any authenticated caller; the listing is filtered to what the caller may pull. */
        CATALOG,
        /** The management API: an authenticated caller; each operation checks its own permission. */
        ACCOUNT
    }

    /** Whether the path names a repository (the pattern's "name" group): the access log's repository field. */
    boolean namesRepository() {
        return pattern.pattern().contains("(?<name>");
    }

    @FunctionalInterface
    public interface Handler {
        Outcome handle(Exchange exchange) throws Exception;
    }
}
