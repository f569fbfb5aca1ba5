package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Consumer;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The command line's client of a running Berth's management API ({@code /api/v1}): every {@code --server} command
 * goes through it. JSON in and out with Jackson's streaming parser ({@link Json}), HTTP with the JDK's
 * {@link HttpURLConnection}, so a remote command loads neither Netty nor JDBC. Not java.net.http's client: its set-up
 * costs 50-150 ms, and its selector thread, blocked in native code, held every exit of the JVM for 300 ms (HotSpot
 * waits that long for threads in native to stop). A server's error answer becomes an {@link ApiException} whose
 * message is the spec error body's first error, "CODE: message".
 */
final class ApiClient {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    /** How long a request may wait for the next bytes of its answer. */
    private static final int TIMEOUT_MS = 60_000;

    private final URI base;
    private final String authorization;
    private final String user;
    /** For https with BERTH_CACERT: trusts that file's certificates; null: the JDK's trust store (or plain HTTP). */
    private final SSLSocketFactory tls;
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
        String caFile = System.getenv("BERTH_CACERT");
        if ("https".equals(base.getScheme()) && caFile != null && !caFile.isBlank()) {
            Path ca = Path.of(caFile.trim());
            if (!Files.exists(ca)) {
                throw new IllegalArgumentException("BERTH_CACERT " + ca + ": no such file");
            }
            this.tls = trusting(ca).getSocketFactory();
        } else {
            this.tls = null;
        }
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
            ObjectNode node = Json.object();
            body.accept(node);
            json = Json.write(node);
        }
        byte[] out = json == null ? null : json.getBytes(StandardCharsets.UTF_8);
        if (out == null && (method.equals("POST") || method.equals("PUT"))) {
            out = new byte[0]; // an empty body still says Content-Length: 0
        }
        byte[] sent = out;
        return exchange(method, base.resolve(path), json != null ? "application/json" : null, TIMEOUT_MS,
                sent == null ? null : stream -> stream.write(sent), sent == null ? -1 : sent.length);
    }

    /**
     * POSTs file as the body (streamed from disk, not read into memory) with contentType; returns the answer's JSON.
     * timeout bounds the answer (an import of a large file takes longer than the usual time-out).
     */
    JsonNode postFile(String path, Path file, String contentType, Duration timeout)
            throws java.io.FileNotFoundException {
        long length;
        try {
            length = Files.size(file);
        } catch (IOException e) {
            throw new java.io.FileNotFoundException(file + ": " + e.getMessage());
        }
        return exchange("POST", base.resolve(path), contentType, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()),
                stream -> Files.copy(file, stream), length);
    }

    /** Writes a request body to the connection's stream. */
    private interface BodyWriter {
        void write(OutputStream stream) throws IOException;
    }

    /** One request: the answer's JSON (null when empty), or the server's error as an ApiException. */
    private JsonNode exchange(String method, URI uri, String contentType, int timeoutMs, BodyWriter body,
            long length) {
        int status;
        byte[] bytes;
        HttpURLConnection connection = null;
        try {
            connection = open(uri, method, contentType);
            connection.setReadTimeout(timeoutMs);
            if (body != null) {
                connection.setFixedLengthStreamingMode(length);
            }
            connect(connection);
            if (body != null) {
                try (OutputStream sent = connection.getOutputStream()) {
                    body.write(sent);
                }
            }
            status = connection.getResponseCode();
            try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                bytes = in == null ? new byte[0] : in.readAllBytes();
            }
        } catch (SocketTimeoutException e) {
            throw new ApiException(0, "UNREACHABLE", base + " did not answer " + method + " " + uri.getPath()
                    + " within " + timeoutMs / 1000 + " s");
        } catch (IOException e) {
            if (connection != null) {
                connection.disconnect();
            }
            throw unreachable(e);
        }
        if (status >= 400) {
            throw explained(failure(status, bytes), uri.getPath());
        }
        if (bytes.length == 0) {
            return null;
        }
        try {
            return Json.read(bytes);
        } catch (IOException e) {
            throw new ApiException(status, "INVALID_ANSWER", base + " answered " + method + " "
                    + uri.getPath() + " with something that is not JSON (is it a Berth server?)");
        }
    }

    /** "CODE: message" from the spec's error envelope, or the status when the body is not one. */
    static ApiException failure(int status, byte[] body) {
        try {
            JsonNode first = Json.read(body).path("errors").path(0);
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

    /** A connection for one request; redirects are not followed (as before: the server never sends one). */
    private HttpURLConnection open(URI uri, String method, String contentType) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        if (tls != null && connection instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls);
        }
        connection.setRequestMethod(method);
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
        connection.setReadTimeout(TIMEOUT_MS);
        connection.setDoOutput(method.equals("POST") || method.equals("PUT"));
        connection.setRequestProperty("Accept", "application/json");
        connection.setRequestProperty("User-Agent", "berth-cli");
        if (contentType != null) {
            connection.setRequestProperty("Content-Type", contentType);
        }
        if (authorization != null) {
            connection.setRequestProperty("Authorization", authorization);
        }
        return connection;
    }

    /** Connects (TCP, and TLS for https); a connection that takes too long is a connect time-out. */
    private void connect(HttpURLConnection connection) throws IOException {
        try {
            connection.connect();
        } catch (SocketTimeoutException e) {
            throw new ApiException(0, "UNREACHABLE", "cannot reach " + base + ": connection timed out");
        }
    }

    /** One line for a request that got no HTTP answer: refused, unknown host, or not HTTP at all. */
    private ApiException unreachable(IOException e) {
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
