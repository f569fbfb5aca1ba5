package io.berth.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Docker registry token auth for the generator's requests to Berth (--auth), done the way docker does it: the realm
 * and service come from the Bearer challenge of an anonymous {@code GET /v2/}; a token is fetched from
 * {@code GET <realm>?service=…&scope=…} with the admin's Basic credentials, cached per scope, and fetched again
 * once half its lifetime has passed. The scope follows from the request's path:
 * <ul>
 *   <li>{@code /v2/NAME/(blobs|manifests|tags)/…}: {@code repository:NAME:pull,push} (one token per repository, as a
 *       docker push uses);</li>
 *   <li>a mount ({@code …/blobs/uploads/?mount=…&from=OTHER}): that and {@code repository:OTHER:pull} in one token,
 *       which then also serves the repository's other requests (as docker's push token does);</li>
 *   <li>{@code /v2/_catalog}: {@code registry:catalog:*}; {@code /v2/}: a token without scopes.</li>
 * </ul>
 * A fetch is a blocking call on a JDK HttpClient from the sending thread, at most one at a time per scope. A cached
 * token costs a few {@code indexOf} calls, one substring and one ConcurrentHashMap lookup; nothing is parsed.
 */
final class TokenAuth implements Http.Authorizer, AutoCloseable {
    private static final String CATALOG = "registry:catalog:*";
    private static final Pattern CHALLENGE_PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final HttpClient client;
    private final URI realm;
    private final String service;
    private final String basicCredentials;
    /**
     * Tokens by key: "" (no scope), {@link #CATALOG}, a repository name, or "NAME FROM" for a mount (repository names
     * hold neither ':' nor ' ', so keys cannot collide).
     */
    private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();
    /** One lock per key: threads wanting the same token at once wait for one fetch. */
    private final ConcurrentHashMap<String, Object> fetchLocks = new ConcurrentHashMap<>();
    private final AtomicInteger fetched = new AtomicInteger();

    /** The header value, and when to fetch a new one (half the token's lifetime after it was asked for). */
    private record Token(String authorization, long refreshAtNanos) {
        boolean fresh() {
            return System.nanoTime() - refreshAtNanos < 0;
        }
    }

    private TokenAuth(HttpClient client, URI realm, String service, String user, String password) {
        this.client = client;
        this.realm = realm;
        this.service = service;
        this.basicCredentials = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Learns realm and service from the challenge of an anonymous GET /v2/ on port, then checks that a token fetched
     * with user and password opens GET /v2/. The realm must be on a loopback address: the bench sends nothing else.
     */
    static TokenAuth discover(int port, String user, String password) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        try {
            URI base = URI.create("http://127.0.0.1:" + port + "/v2/");
            HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(base).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String challenge = anonymous.headers().firstValue("WWW-Authenticate").orElse("");
            if (anonymous.statusCode() != 401 || !challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new BenchException("anonymous GET /v2/ of Berth with auth: status " + anonymous.statusCode()
                        + ", WWW-Authenticate '" + challenge + "'; expected 401 with a Bearer challenge");
            }
            String realm = null;
            String service = null;
            Matcher m = CHALLENGE_PARAMETER.matcher(challenge);
            while (m.find()) {
                switch (m.group(1)) {
                    case "realm" -> realm = m.group(2);
                    case "service" -> service = m.group(2);
                    default -> { }
                }
            }
            if (realm == null || service == null) {
                throw new BenchException("Bearer challenge without realm or service: " + challenge);
            }
            URI realmUri = URI.create(realm);
            if (!"http".equals(realmUri.getScheme()) || realmUri.getHost() == null
                    || !InetAddress.getByName(realmUri.getHost()).isLoopbackAddress()) {
                throw new BenchException("token realm " + realm + " is not an http URL on a loopback address");
            }
            TokenAuth auth = new TokenAuth(client, realmUri, service, user, password);
            HttpResponse<Void> opened = client.send(HttpRequest.newBuilder(base).timeout(TIMEOUT)
                    .header("Authorization", auth.authorization("/v2/")).GET().build(), HttpResponse.BodyHandlers.discarding());
            if (opened.statusCode() != 200) {
                throw new BenchException("GET /v2/ with a token: status " + opened.statusCode() + ", expected 200");
            }
            return auth;
        } catch (IOException | InterruptedException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public String authorization(String uri) {
        String key = key(uri);
        Token token = tokens.get(key);
        return token != null && token.fresh() ? token.authorization() : refresh(key).authorization();
    }

    /** How many tokens were fetched so far. */
    int fetched() {
        return fetched.get();
    }

    String describe() {
        return "realm " + realm + ", service " + service;
    }

    @Override
    public void close() {
        client.close();
    }

    /** The cache key of the scopes uri needs (see the class comment). */
    static String key(String uri) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        if (path.startsWith("/v2/_catalog")) {
            return CATALOG;
        }
        // The last marker ends the name: a repository may be called bench/manifests.
        int end = Math.max(path.lastIndexOf("/blobs/"), Math.max(path.lastIndexOf("/manifests/"), path.lastIndexOf("/tags/")));
        if (end < 0) {
            if (path.equals("/v2/") || path.equals("/v2")) {
                return "";
            }
            throw new BenchException("no token scope is known for " + uri);
        }
        if (!path.startsWith("/v2/") || end <= 4) {
            throw new BenchException("no token scope is known for " + uri);
        }
        String name = path.substring(4, end);
        if (query >= 0 && uri.indexOf("mount=", query) >= 0) {
            String from = parameter(uri.substring(query + 1), "from");
            if (from != null) {
                return name + " " + from;
            }
        }
        return name;
    }

    /** The scopes to ask for under key. */
    static List<String> scopes(String key) {
        List<String> scopes = new ArrayList<>();
        if (key.equals(CATALOG)) {
            scopes.add(CATALOG);
        } else if (!key.isEmpty()) {
            int space = key.indexOf(' ');
            scopes.add("repository:" + (space < 0 ? key : key.substring(0, space)) + ":pull,push");
            if (space >= 0) {
                scopes.add("repository:" + key.substring(space + 1) + ":pull");
            }
        }
        return scopes;
    }

    private Token refresh(String key) {
        synchronized (fetchLocks.computeIfAbsent(key, k -> new Object())) {
            Token token = tokens.get(key);
            if (token != null && token.fresh()) {
                return token;
            }
            token = fetch(scopes(key));
            tokens.put(key, token);
            int space = key.indexOf(' ');
            if (space > 0) {
                // A mount's token holds pull,push on the repository too: its other requests use it, as docker's do.
                tokens.put(key.substring(0, space), token);
            }
            return token;
        }
    }

    private Token fetch(List<String> scopes) {
        StringBuilder uri = new StringBuilder(realm.toString()).append(realm.getRawQuery() == null ? '?' : '&')
                .append("service=").append(encode(service));
        for (String scope : scopes) {
            uri.append("&scope=").append(encode(scope));
        }
        long asked = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = client.send(HttpRequest.newBuilder(URI.create(uri.toString())).timeout(TIMEOUT)
                    .header("Authorization", basicCredentials).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BenchException("token for " + scopes + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("token for " + scopes + ": interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new BenchException("token for " + scopes + ": status " + response.statusCode() + ", expected 200: "
                    + response.body().strip());
        }
        String token = Json.string(response.body(), "token");
        if (token == null || token.isEmpty()) {
            token = Json.string(response.body(), "access_token");
        }
        if (token == null || token.isEmpty()) {
            throw new BenchException("token for " + scopes + ": no token in " + response.body());
        }
        // The spec's default lifetime is 60 s when expires_in is absent.
        long lifetimeSeconds = Json.number(response.body(), "expires_in", 60);
        if (lifetimeSeconds < 2) {
            throw new BenchException("token for " + scopes + ": expires_in " + lifetimeSeconds);
        }
        fetched.incrementAndGet();
        return new Token("Bearer " + token, asked + lifetimeSeconds * 500_000_000L);
    }

    /** The decoded value of name in query (a=1&b=2), or null. */
    private static String parameter(String query, String name) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
