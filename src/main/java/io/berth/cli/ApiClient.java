package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The command line's client of a running Berth's management API ({@code /api/v1}): every {@code --server} command
 * goes through it. JSON in and out with Jackson, HTTP with the JDK's client, so a remote command loads neither Netty
 * nor JDBC. A server's error answer becomes an {@link ApiException} whose message is the spec error body's first
 * error, "CODE: message".
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String authorization;
    private final String user;
    private final HttpClient http;
    /** Where the credentials came from, for the message of a 401. */
    private Credentials credentials = Credentials.GIVEN;

    /** Where a client's credentials came from: given (BERTH_USER/BERTH_PASSWORD, berth login) or the login file. */
    enum Credentials { GIVEN, LOGIN_FILE }

    /** base is the server's URL (http://host:port); user null means anonymous. */
    ApiClient(URI base, String user, String password) {
        this.base = base;
        this.user = user;
        this.authorization = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1);
        String caFile = System.getenv("BERTH_CACERT");
        if (!"https".equals(base.getScheme())) {
            // The client builds an SSL context even for plain HTTP; the default one reads the JDK's whole CA store.
            builder.sslContext(plainHttpOnly());
        } else if (caFile != null && !caFile.isBlank()) {
            Path ca = Path.of(caFile.trim());
            if (!Files.exists(ca)) {
                throw new IllegalArgumentException("BERTH_CACERT " + ca + ": no such file");
            }
            builder.sslContext(trusting(ca));
        }
        this.http = builder.build();
    }

    /** A failure the server answered with (or a server that could not be reached); the message is one line. */
    static final class ApiException extends RuntimeException {
        final int status;
        final String code;

        ApiException(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    /** Says where the credentials came from (for the message when the server refuses them); returns this. */
    ApiClient credentialsFrom(Credentials source) {
        this.credentials = source;
        return this;
    }

    URI base() {
        return base;
    }

    /** A path segment (a user or namespace name) percent-encoded. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    JsonNode post(String path, Consumer<ObjectNode> body) {
        return send("POST", path, body);
    }

    JsonNode put(String path, Consumer<ObjectNode> body) {
        return send("PUT", path, body);
    }

    /** Sends a request with a JSON object body (built by body, or none), returns the answer's JSON (null when empty). */
    JsonNode send(String method, String path, Consumer<ObjectNode> body) {
        String json = null;
        if (body != null) {
            ObjectNode node = JSON.createObjectNode();
            body.accept(node);
            json = node.toString();
        }
        URI uri = base.resolve(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .header("Accept", "application/json")
                .header("User-Agent", "berth-cli");
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return answer(request, method, uri);
    }

    /**
     * POSTs file as the body (streamed from disk, not read into memory) with contentType; returns the answer's JSON.
     * timeout bounds the whole exchange (an import of a large file takes longer than {@link #TIMEOUT}).
     */
    JsonNode postFile(String path, Path file, String contentType, Duration timeout) throws java.io.FileNotFoundException {
        URI uri = base.resolve(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofFile(file))
                .header("Accept", "application/json")
                .header("User-Agent", "berth-cli")
                .header("Content-Type", contentType);
        return answer(request, "POST", uri);
    }

    /** Sends request with the credentials; the answer's JSON (null when empty), or the server's error. */
    private JsonNode answer(HttpRequest.Builder request, String method, URI uri) {
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unreachable(e, method, uri);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "UNREACHABLE", "interrupted");
        }
        byte[] bytes = response.body();
        if (response.statusCode() >= 400) {
            throw explained(failure(response.statusCode(), bytes), uri.getPath());
        }
        if (bytes.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ApiException(response.statusCode(), "INVALID_ANSWER", base + " answered " + method + " "
                    + uri.getPath() + " with something that is not JSON (is it a Berth server?)");
        }
    }

    /** "CODE: message" from the spec's error envelope, or the status when the body is not one. */
    static ApiException failure(int status, byte[] body) {
        try {
            JsonNode first = JSON.readTree(body).path("errors").path(0);
            if (first.hasNonNull("code")) {
                String code = first.get("code").asText();
                return new ApiException(status, code, code + ": " + first.path("message").asText("").replaceAll("\\s+", " "));
            }
        } catch (IOException e) {
            // not JSON: the status says it
        }
        return new ApiException(status, "HTTP_" + status, "the server answered HTTP " + status
                + (status == 404 ? " (is it a Berth server, and new enough for this command?)" : ""));
    }

    /** One line for a request that got no HTTP answer: timed out, refused, unknown host, or not HTTP at all. */
    private ApiException unreachable(IOException e, String method, URI uri) {
        if (e instanceof HttpConnectTimeoutException) {
            return new ApiException(0, "UNREACHABLE", "cannot reach " + base + ": connection timed out");
        }
        if (e instanceof HttpTimeoutException) {
            return new ApiException(0, "UNREACHABLE", base + " did not answer " + method + " " + uri.getPath()
                    + " within " + TIMEOUT.toSeconds() + " s");
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
                return new ApiException(0, "UNREACHABLE", "cannot reach " + base + ": unknown host " + base.getHost());
            }
        }
        if (e instanceof ConnectException) {
            return new ApiException(0, "UNREACHABLE", "cannot reach " + base + ": connection refused");
        }
        boolean plain = "http".equals(base.getScheme());
        return new ApiException(0, "UNREACHABLE", "cannot reach " + base + ": " + oneLine(e)
                + (plain ? " (is it https?)" : ""));
    }

    /** The paths that exist only while the server's access control is on. */
    private static final java.util.regex.Pattern ACCESS_CONTROL_PATH = java.util.regex.Pattern.compile(
            "/api/v1/(users|namespaces|tokens|audit|me)(/.*)?");

    /** A failure in the words of what it means for the command line: wrong credentials, access control off. */
    private ApiException explained(ApiException e, String path) {
        if (e.status == 401) {
            String message = authorization == null
                    ? base + " requires a login: run 'berth login " + base + "' or set BERTH_USER and BERTH_PASSWORD"
                    : credentials == Credentials.LOGIN_FILE
                    ? "the saved login for " + base + " was refused; run 'berth login " + base + "' again"
                    : "wrong user name or password for " + user + " at " + base;
            return new ApiException(401, e.code, message);
        }
        if (e.status == 404 && "UNSUPPORTED".equals(e.code) && ACCESS_CONTROL_PATH.matcher(path).matches()) {
            return new ApiException(404, e.code, "the server at " + base + " has access control off; users, namespaces,"
                    + " tokens and the audit log exist only when it is on");
        }
        return e;
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s+", " ");
    }

    /** A context that trusts no certificate: for a client that only speaks plain HTTP, cheap to make. */
    private static SSLContext plainHttpOnly() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new javax.net.ssl.KeyManager[0], new javax.net.ssl.TrustManager[0], null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An SSL context trusting the PEM certificates in file (a private CA or a self-signed server certificate). */
    private static SSLContext trusting(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("BERTH_CACERT " + file + ": " + oneLine(e));
        }
    }
}
