package io.berth.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * A small HTTP/1.1 client for one registry, built on java.net.http. It never follows redirects, so tests see
 * exactly what the registry answered. Headers the JDK client refuses to set (Content-Length, Expect, Host,
 * Connection) need {@link RawHttp}.
 */
final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    private final URI base;

    Http(URI base) {
        this.base = base;
    }

    URI base() {
        return base;
    }

    /** Resolves a path ("/v2/...") or an absolute URL (a Location the registry gave) against the registry. */
    URI resolve(String pathOrUrl) {
        return base.resolve(pathOrUrl);
    }

    Response get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    Response head(String path, String... headers) {
        return send("HEAD", path, null, headers);
    }

    Response delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    Response post(String path, byte[] body, String... headers) {
        return send("POST", path, body, headers);
    }

    Response put(String path, byte[] body, String... headers) {
        return send("PUT", path, body, headers);
    }

    Response patch(String path, byte[] body, String... headers) {
        return send("PATCH", path, body, headers);
    }

    /** headers alternate name, value. A null body sends no body (POST/PUT/PATCH still send Content-Length: 0). */
    Response send(String method, String pathOrUrl, byte[] body, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(resolve(pathOrUrl)).timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        if (method.equals("HEAD")) {
            builder.HEAD();
        } else {
            builder.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        }
        try {
            var response = CLIENT.send(builder.build(), BodyHandlers.ofByteArray());
            Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            map.putAll(response.headers().map());
            return new Response(method, response.uri().toString(), response.statusCode(), map, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + pathOrUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Adds a query parameter to a URL that may already carry a query (upload Locations often do). */
    /** The path and query of a Location, to replay it against another server or after a restart. */
    static String pathAndQuery(String location) {
        java.net.URI uri = java.net.URI.create(location);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    static String withQuery(String url, String parameter) {
        return url + (url.contains("?") ? "&" : "?") + parameter;
    }
}
