package io.berth.ui;

import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;

import io.berth.auth.AccessAdmin;
import io.berth.auth.Authenticator;
import io.berth.auth.LoginSessions;
import io.berth.auth.Passwords;
import io.berth.auth.Permissions;
import io.berth.auth.Principal;
import io.berth.auth.Scope;
import io.berth.http.Exchange;
import io.berth.http.Installation;
import io.berth.http.Response;
import io.berth.http.Route;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Page;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.Lifecycle;
import io.berth.registry.Listing;
import io.berth.registry.Registry;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The web UI, served at / on the registry's port: home (repositories, search, keyset pages), a repository's tags,
 * one manifest by digest, and with access control on a login page and a session cookie. Every page asks
 * {@link Permissions} exactly what the management API asks: pull on the repository shown, and the home page lists
 * only the repositories the visitor may pull. Its routes declare {@link Route.Action#NONE}: the UI identifies its
 * visitors by their session, not by the registry's Authorization header.
 */
public final class WebUi {
    static final String COOKIE = "berth_session";
    /** Repositories on one home page unless ?n= says otherwise (at most {@link Listing#MAX_PAGE}). */
    static final int HOME_PAGE = 50;
    private static final int MAX_FORM_BYTES = 8192;

    private final Listing listing;
    private final Permissions permissions;
    private final Authenticator authenticator;
    /** The login sessions, in the metadata database (any node knows them); null when access control is off. */
    private final LoginSessions sessions;
    private final Pages pages = new Pages();
    private final SearchPages search;
    private final TagPages tagPages;
    private final RepositoryPages repositoryPages;
    private final ArtifactPages artifactPages;
    private final DeletePages deletePages;
    /** The CSRF token of the forms of visitors without a session (access control off): no other site can read it. */
    private final String anonymousCsrf;
    private final Registry registry;
    private final Audit audit;
    private ManagementRoutes management;
    /** ui.registryHost: the host[:port] of pull commands; empty: the request's Host. */
    private String registryHost = "";

    /** What ends the audit detail of every change made through the UI. */
    static final String UI_NOTE = "(web UI)";

    private static Audit noting(Audit audit) {
        return audit == null ? null : (actor, action, target, source, detail) ->
                audit.audit(actor, action, target, source, AccessAdmin.noted(detail, UI_NOTE));
    }

    /** Where the UI's changes are recorded: {@code AccessAdmin::audit}, as the API's audit filter records them. */
    @FunctionalInterface
    public interface Audit {
        void audit(String actor, String action, String target, String source, String detail);
    }

    /** logins: the accounts of access control when it is on; empty when it is off (no login, all readable). */
    public WebUi(Listing listing, Registry registry, Permissions permissions, Optional<Authenticator> logins,
                 Audit audit, Duration sessionTtl, Clock clock) {
        // Every change made through the UI is recorded with its detail ending in UI_NOTE, here and in manage().
        audit = noting(audit);
        this.listing = listing;
        this.search = new SearchPages(listing);
        this.permissions = permissions;
        this.authenticator = logins.orElse(null);
        this.sessions = authenticator == null ? null : authenticator.sessions(sessionTtl);
        this.tagPages = new TagPages(this, registry, listing, permissions, pages, audit);
        this.repositoryPages = new RepositoryPages(this, listing, permissions, pages);
        this.artifactPages = new ArtifactPages(this, listing, registry, permissions, pages);
        this.deletePages = new DeletePages(this, listing, registry, pages, audit);
        this.anonymousCsrf = Passwords.randomSecret(32);
        this.registry = registry;
        this.audit = audit;
    }

    /**
     * Adds the management pages (namespaces, promotion, admin) on the same domain services as the management API:
     * lifecycle for rules, quotas, retention and GC; admin for users, members, tokens and the audit log.
     */
    public WebUi manage(Lifecycle lifecycle, AccessAdmin admin) {
        AccessAdmin noted = admin == null ? null : admin.noting(UI_NOTE);
        this.management = new ManagementRoutes(this, listing, registry, lifecycle, noted, permissions, pages, audit,
                authenticator != null);
        return this;
    }

    /** ui.registryHost (validated by the configuration): the host[:port] the pull commands name; empty: Host. */
    public WebUi registryHost(String host) {
        this.registryHost = host == null ? "" : host;
        return this;
    }

    String registryHost() {
        return registryHost;
    }

    /** Adds the UI's routes; install it last: its catch-all answers every GET no other route took. */
    public void install(Installation server) {
        server.routes(routes());
    }

    /** Every route of the UI in match order (the role-walk test reads them). */
    List<Route> routes() {
        List<Route> routes = new ArrayList<>();
        add(routes, "ui-static", GET, "/static/style\\.css", ex -> pages.style());
        add(routes, "ui-static", GET, "/static/ui\\.js", ex -> pages.script());
        add(routes, "ui-static", GET, "/static/htmx\\.min\\.js", ex -> pages.htmx());
        add(routes, "ui-static", GET, "/favicon\\.ico", ex -> Response.status(204));
        add(routes, "ui-login", GET, "/login", this::loginPage);
        add(routes, "ui-login", POST, "/login", ex -> new FormBody(MAX_FORM_BYTES, form -> login(ex, form)));
        add(routes, "ui-logout", POST, "/logout", ex -> new FormBody(MAX_FORM_BYTES, form -> logout(ex, form)));
        add(routes, "ui-home", GET, "/", this::home);
        String tag = "/r/(?<name>[^?#]+?)/-/tags/(?<tag>[^/]+)";
        add(routes, "ui-tag", GET, tag, ex -> onRepository(ex, Scope.PULL, tagPages::history));
        add(routes, "ui-tag-rollback", GET, tag + "/rollback",
                ex -> onRepository(ex, Scope.DELETE, tagPages::confirmRollback));
        add(routes, "ui-tag-rollback", POST, tag + "/rollback",
                ex -> new FormBody(MAX_FORM_BYTES, form -> tagPages.rollback(ex, form)));
        add(routes, "ui-tag-delete", GET, tag + "/delete",
                ex -> onRepository(ex, Scope.DELETE, tagPages::confirmDelete));
        add(routes, "ui-tag-delete", POST, tag + "/delete",
                ex -> new FormBody(MAX_FORM_BYTES, form -> tagPages.delete(ex, form)));
        // ---- browsing: repository and artifact pages, deletes of manifests and repositories
        String repo = "/r/(?<name>[^?#]+?)";
        String manifest = repo + "/-/(?<digest>[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)";
        add(routes, "ui-repository-delete", GET, repo + "/-/delete",
                ex -> onRepository(ex, Scope.DELETE, deletePages::confirmRepository));
        add(routes, "ui-repository-delete", POST, repo + "/-/delete",
                ex -> new FormBody(MAX_FORM_BYTES, form -> deletePages.deleteRepository(ex, form)));
        add(routes, "ui-manifest-delete", GET, manifest + "/delete",
                ex -> onRepository(ex, Scope.DELETE, deletePages::confirmManifest));
        add(routes, "ui-manifest-delete", POST, manifest + "/delete",
                ex -> new FormBody(MAX_FORM_BYTES, form -> deletePages.deleteManifest(ex, form)));
        add(routes, "ui-artifact", GET, repo + "/-/(?<digest>[^/]+)",
                ex -> onRepository(ex, Scope.PULL, artifactPages::artifact));
        add(routes, "ui-repository", GET, repo + "/?",
                ex -> onRepository(ex, Scope.PULL, repositoryPages::repository));
        // ---- end of browsing
        // ---- management pages (namespaces, promotion, admin): ManagementRoutes lists them
        if (management != null) {
            routes.addAll(management.routes());
        }
        // ---- end of management pages
        // Last: any other GET outside the registry's and the API's paths is a page that is not there.
        add(routes, "ui-not-found", GET, "/(?!v2(?:/|$)|api/|auth/).*",
                ex -> notFound(visitor(ex), "There is no such page."));
        return routes.stream().map(r -> r.method() != GET ? r : new Route(r.name(), r.method(), r.pattern(),
                r.action(), asPage(r.handler()))).toList();
    }

    /** A page's refusal (an invalid name or tag in its URL, ...) as an HTML page with the status, not the API's JSON. */
    private Route.Handler asPage(Route.Handler handler) {
        return ex -> {
            try {
                return handler.handle(ex);
            } catch (RegistryException e) {
                return message(visitor(ex), e.code().status(), e.code().status() == 404 ? "Not found" : "Not shown",
                        ManagementPage.reason(e));
            }
        };
    }

    static void add(List<Route> routes, String name, HttpMethod method, String regex, Route.Handler handler) {
        routes.add(new Route(name, method, Pattern.compile(regex), Route.Action.NONE, handler));
    }

    /** Who is browsing: the principal of a live session, else anonymous. */
    record Visitor(Principal principal, LoginSessions.Session session) {
        boolean anonymous() {
            return session == null;
        }
    }

    Visitor visitor(Exchange ex) {
        if (authenticator == null) {
            return new Visitor(Principal.ANONYMOUS, null);
        }
        LoginSessions.Session session = sessions.find(cookie(ex)).orElse(null);
        if (session == null) {
            return new Visitor(Principal.ANONYMOUS, null);
        }
        Optional<Principal> principal = authenticator.bySubject(session.subject());
        if (principal.isEmpty()) {
            return new Visitor(Principal.ANONYMOUS, null);
        }
        return new Visitor(principal.get(), session);
    }

    private static String cookie(Exchange ex) {
        return cookie(ex, COOKIE);
    }

    /** The value of the request's cookie of that name, or null. */
    static String cookie(Exchange ex, String name) {
        String header = ex.header("Cookie");
        if (header == null) {
            return null;
        }
        for (Cookie cookie : ServerCookieDecoder.STRICT.decode(header)) {
            if (cookie.name().equals(name)) {
                return cookie.value();
            }
        }
        return null;
    }

    Chrome chrome(Visitor visitor, String title) {
        return new Chrome(title, authenticator != null, visitor.anonymous() ? null : visitor.principal().name(),
                csrf(visitor), permissions.isAdmin(visitor.principal()));
    }

    private String csrf(Visitor visitor) {
        return visitor.anonymous() ? anonymousCsrf : visitor.session().csrf();
    }

    /** A form that changes something: from this site, with the visitor's CSRF token. */
    void checkForm(Exchange ex, Visitor visitor, Map<String, String> form) {
        sameOrigin(ex);
        if (!java.security.MessageDigest.isEqual(csrf(visitor).getBytes(StandardCharsets.UTF_8),
                String.valueOf(form.get("csrf")).getBytes(StandardCharsets.UTF_8))) {
            throw new RegistryException(ErrorCode.DENIED, "the form's CSRF token does not match the session");
        }
    }

    // ---- GET /?q=&last=&n=

    private Response home(Exchange ex) {
        Visitor visitor = visitor(ex);
        String query = Optional.ofNullable(ex.query("q")).map(String::strip).orElse("");
        String last = validOrNull(ex.query("last"), value -> new RepositoryName(value).value());
        int n = pageSize(ex.query("n"));
        String needle = query.toLowerCase(Locale.ROOT);
        Predicate<RepositoryName> canPull = canPull(visitor.principal());
        Page<RepositorySummary> page = listing.repositories(null, last, n,
                repository -> repository.value().contains(needle) && canPull.test(repository));
        String next = null;
        if (page.more() && !page.items().isEmpty()) {
            next = "/?" + (query.isEmpty() ? "" : "q=" + encode(query) + "&")
                    + (ex.query("n") == null ? "" : "n=" + n + "&")
                    + "last=" + encode(page.items().get(page.items().size() - 1).name());
        }
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", chrome(visitor, "Repositories"));
        params.put("repositories", page.items());
        params.put("query", query);
        params.put("next", next);
        params.put("first", last != null);
        search.addTo(params, ex, query, canPull);
        return pages.render(200, "home.jte", params);
    }

    /** As the management API: a user's or anonymous visitor's rights depend on the namespace only. */
    private Predicate<RepositoryName> canPull(Principal visitor) {
        if (visitor.kind() == Principal.Kind.ROBOT) {
            return repository -> permissions.may(visitor, repository, Scope.PULL);
        }
        Map<String, Boolean> byNamespace = new HashMap<>();
        return repository -> byNamespace.computeIfAbsent(repository.namespace(),
                namespace -> permissions.may(visitor, repository, Scope.PULL));
    }

    private static int pageSize(String n) {
        try {
            return n == null ? HOME_PAGE : Math.max(1, Math.min(Listing.MAX_PAGE, Integer.parseInt(n)));
        } catch (NumberFormatException e) {
            return HOME_PAGE;
        }
    }

    /** A page about one repository, for a visitor who holds the action on it. */
    @FunctionalInterface
    interface RepositoryPage {
        Response render(Exchange ex, Visitor visitor, RepositoryName repository);
    }

    /** page, when the visitor holds action on the path's repository; else 403 as the API answers. */
    Response onRepository(Exchange ex, String action, RepositoryPage page) {
        Visitor visitor = visitor(ex);
        RepositoryName repository = allowed(ex, visitor, action);
        return repository == null ? refused(visitor, ex) : page.render(ex, visitor, repository);
    }

    /**
     * The path's repository if the visitor holds action on it (asked before it is looked up, as the API does), else
     * null.
     */
    RepositoryName allowed(Exchange ex, Visitor visitor, String action) {
        RepositoryName repository;
        try {
            repository = new RepositoryName(ex.param("name"));
        } catch (RuntimeException e) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid repository name");
        }
        return permissions.may(visitor.principal(), repository, action) ? repository : null;
    }

    /** 403, as the API answers: the page says to log in when nobody is. */
    Response refused(Visitor visitor, Exchange ex) {
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", chrome(visitor, "Access denied"));
        params.put("message", "You may not " + (ex.method().equals(GET) && !ex.path().endsWith("/rollback")
                && !ex.path().endsWith("/delete") ? "pull from" : "change tags of") + " this repository"
                + (visitor.anonymous() && authenticator != null ? "; log in to see more." : "."));
        params.put("login", visitor.anonymous() && authenticator != null ? "/login?next=" + encode(ex.rawPath()) : null);
        return pages.render(403, "message.jte", params);
    }

    Response notFound(Visitor visitor, String message) {
        return message(visitor, 404, "Not found", message);
    }

    Response message(Visitor visitor, int status, String title, String message) {
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", chrome(visitor, title));
        params.put("message", message);
        params.put("login", null);
        return pages.render(status, "message.jte", params);
    }

    // ---- login, logout

    private Response loginPage(Exchange ex) {
        if (authenticator == null) {
            return Pages.redirect("/");
        }
        return loginForm(ex, visitor(ex), 200, null, localPath(ex.query("next")));
    }

    private Response loginForm(Exchange ex, Visitor visitor, int status, String error, String next) {
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", chrome(visitor, "Log in"));
        params.put("error", error);
        params.put("next", next);
        return pages.render(status, "login.jte", params);
    }

    private Response login(Exchange ex, Map<String, String> form) {
        if (authenticator == null) {
            return Pages.redirect("/");
        }
        sameOrigin(ex);
        String next = localPath(form.get("next"));
        Optional<Principal> principal;
        try {
            principal = authenticator.login(form.get("username"), form.get("password"), ex.source());
        } catch (RegistryException e) {
            return loginForm(ex, new Visitor(Principal.ANONYMOUS, null), e.code().status(), e.getMessage(), next);
        }
        if (principal.isEmpty()) {
            return loginForm(ex, new Visitor(Principal.ANONYMOUS, null), 401, "Wrong user name or password.", next);
        }
        LoginSessions.Opened opened = sessions.open(principal.get().subject());
        return Pages.redirect(next).header("Set-Cookie", cookieHeader(ex, opened.cookie(), sessions.ttl().toSeconds()));
    }

    private Response logout(Exchange ex, Map<String, String> form) {
        sameOrigin(ex);
        if (authenticator == null) {
            return Pages.redirect("/");
        }
        LoginSessions.Session session = sessions.find(cookie(ex)).orElse(null);
        if (session != null && session.csrf().equals(form.get("csrf"))) {
            sessions.end(session.id());
        } else if (session != null) {
            throw new RegistryException(ErrorCode.DENIED, "the form's CSRF token does not match the session");
        }
        return Pages.redirect("/").header("Set-Cookie", cookieHeader(ex, "", 0));
    }

    /** The session cookie: HttpOnly, SameSite=Strict, Secure when the visitor reached us over HTTPS. */
    static String cookieHeader(Exchange ex, String value, long maxAgeSeconds) {
        return cookieHeader(ex, COOKIE, value, maxAgeSeconds, "/");
    }

    static String cookieHeader(Exchange ex, String name, String value, long maxAgeSeconds, String path) {
        return name + "=" + value + "; Path=" + path + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (ex.url("/").startsWith("https:") ? "; Secure" : "");
    }

    /** A form posted from another site is refused (browsers send Origin with every POST). */
    private static void sameOrigin(Exchange ex) {
        String origin = ex.header("Origin");
        if (origin != null && !origin.equals("null") && !(origin + "/").equals(ex.url("/"))) {
            throw new RegistryException(ErrorCode.DENIED, "a form from another site");
        }
    }

    /** A path on this server to go to after logging in; anything else is the home page. */
    private static String localPath(String next) {
        return next != null && next.startsWith("/") && !next.startsWith("//") && !next.contains("\\")
                && next.chars().noneMatch(c -> c < 0x21 || c == 0x7f) ? next : "/";
    }

    /** A query value as parse reads it; null when absent or not valid (a keyset page then starts at the beginning). */
    static <T> T validOrNull(String value, java.util.function.Function<String, T> parse) {
        try {
            return value == null ? null : parse.apply(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** A form body, decoded. */
    static Map<String, String> decodeForm(byte[] body) {
        Map<String, String> form = new HashMap<>();
        new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false).parameters()
                .forEach((key, values) -> form.put(key, values.isEmpty() ? "" : values.get(0)));
        return form;
    }
}
