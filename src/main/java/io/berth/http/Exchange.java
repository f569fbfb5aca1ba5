package io.berth.http;

import io.berth.auth.Principal;
import io.berth.oci.RepositoryName;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One request as route handlers see it: method, decoded path and query, headers, and the request id. */
public final class Exchange {
    private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.\\-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");

    /** Until a filter has read the caller: nobody, who may read nothing. */
    private static final Predicate<RepositoryName> NOTHING = repository -> false;

    private final HttpRequest request;
    private final String path;
    private final String rawPath;
    private final Map<String, List<String>> query;
    private final String externalUrl;
    private final long startNanos = System.nanoTime();
    /** Given by the first filter of the chain ({@link RequestIds#FILTER}). */
    private String requestId = "-";
    private Route route = Router.UNROUTED;
    private Matcher match;
    private String source = "";
    private String remote = "-";
    private boolean secure;
    private Principal principal = Principal.ANONYMOUS;
    /** The account a refused login named (token endpoint), for the access log; null when none. */
    private String attempted;

    /** Which repositories the caller may pull from, as the access filter installed by serve says. */
    private Predicate<RepositoryName> canPull = NOTHING;
    private Completion completion = Completion.NONE;
    private boolean completed;

    /** Told once the response is written (or failed): the access log's hook. */
    @FunctionalInterface
    interface Completion {
        Completion NONE = (exchange, status, bytesSent, bytesReceived, failure) -> {};

        void completed(Exchange exchange, int status, long bytesSent, long bytesReceived, Throwable failure);
    }

    Exchange(HttpRequest request, String externalUrl) {
        this.request = request;
        QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
        this.path = decoder.path();
        this.rawPath = decoder.rawPath();
        this.query = decoder.parameters();
        this.externalUrl = externalUrl;
    }

    void match(Route route, Matcher matcher) {
        this.route = route;
        this.match = matcher;
    }

    /** The route that matched, or {@link Router#UNROUTED}. */
    Route route() {
        return route;
    }

    /** The repository named in the path of the matched route, or null. */
    String repository() {
        return route.namesRepository() ? param("name") : null;
    }

    void requestId(String id) {
        this.requestId = id;
    }

    /** Adds a hook told once the response is out (the access line, the metrics), after those added before. */
    void onCompletion(Completion more) {
        Completion before = completion;
        this.completion = before == Completion.NONE ? more : (exchange, status, sent, received, failure) -> {
            before.completed(exchange, status, sent, received, failure);
            more.completed(exchange, status, sent, received, failure);
        };
    }

    /** Tells the hooks, once: the response is out, or failed, or the client left before it was sent. */
    void completed(int status, long bytesSent, long bytesReceived, Throwable failure) {
        if (completed) {
            return;
        }
        completed = true;
        completion.completed(this, status, bytesSent, bytesReceived, failure);
    }

    /** The token endpoint refused a login that named an account (the metrics' failed logins). */
    boolean loginRefused() {
        return attempted != null;
    }

    /** The request could not be parsed as HTTP. */
    boolean malformed() {
        return request.decoderResult().isFailure();
    }

    /** Nanoseconds since the request line was read. */
    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /** The client's address and port, for the access log. */
    String remote() {
        return remote;
    }

    /** The connection is TLS: URLs this registry hands out use https. */
    void secure(boolean tls) {
        this.secure = tls;
    }

    void source(InetSocketAddress address) {
        this.source = address.getAddress().getHostAddress();
        this.remote = address.getAddress() instanceof java.net.Inet6Address
                ? "[" + source + "]:" + address.getPort() : source + ":" + address.getPort();
    }

    /** The client's address (for the audit log and login limits). */
    public String source() {
        return source;
    }

    /** The caller as the access filter identified it; {@link Principal#ANONYMOUS} until then, and when nobody. */
    public Principal principal() {
        return principal;
    }

    void authorize(Principal principal, Predicate<RepositoryName> canPull) {
        this.principal = principal;
        this.canPull = canPull;
    }

    /** Names the caller of a route that authenticates by itself (the token endpoint), for the access log. */
    void identified(Principal principal) {
        this.principal = principal;
    }

    /** Names the account a failed login tried (shown as {@code name?} in the access log); never a secret. */
    void attempted(String account) {
        this.attempted = account;
    }

    /** The caller for the access log: the principal, or the account a refused login tried followed by "?". */
    String userForLog() {
        return principal.isAnonymous() && attempted != null ? attempted + "?" : principal.name();
    }

    /** Which repositories the caller may pull from: none until the access filter installed by serve says. */
    public Predicate<RepositoryName> pullFilter() {
        return canPull;
    }

    /** A named group of the route's pattern, percent-decoded (routes match the raw path, so %2F stays in a segment). */
    public String param(String name) {
        String raw = match.group(name);
        return raw == null ? null : QueryStringDecoder.decodeComponent(raw);
    }

    /** The path as sent, not yet percent-decoded. */
    public String rawPath() {
        return rawPath;
    }

    public HttpMethod method() {
        return request.method();
    }

    public boolean isHead() {
        return request.method().equals(HttpMethod.HEAD);
    }

    public String path() {
        return path;
    }

    public String query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public List<String> queryAll(String name) {
        return query.getOrDefault(name, List.of());
    }

    public boolean hasQuery(String name) {
        return query.containsKey(name);
    }

    public String header(String name) {
        return request.headers().get(name);
    }

    public HttpHeaders headers() {
        return request.headers();
    }

    public String requestId() {
        return requestId;
    }

    /**
     * An absolute URL for a path on this registry, as the client reached it: the configured external URL, else
     * X-Forwarded-Proto/X-Forwarded-Host (a TLS-terminating proxy), else the Host header; a relative path when none
     * can be trusted.
     */
    public String url(String absolutePath) {
        if (externalUrl != null && !externalUrl.isBlank()) {
            return stripSlash(externalUrl) + absolutePath;
        }
        String host = first(header("X-Forwarded-Host"));
        if (host == null || !SAFE_HOST.matcher(host).matches()) {
            host = header("Host");
        }
        if (host == null || !SAFE_HOST.matcher(host).matches()) {
            return absolutePath;
        }
        String proto = first(header("X-Forwarded-Proto"));
        String scheme = proto == null ? (secure ? "https" : "http") : "https".equalsIgnoreCase(proto) ? "https" : "http";
        return scheme + "://" + host + absolutePath;
    }

    private static String first(String commaSeparated) {
        if (commaSeparated == null) {
            return null;
        }
        int comma = commaSeparated.indexOf(',');
        return (comma < 0 ? commaSeparated : commaSeparated.substring(0, comma)).trim();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
