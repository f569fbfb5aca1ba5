package io.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.Digest;
import io.berth.oci.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The tests' one client of the registry API (/v2, /api/v1, /token) over HTTP/1.1, plain or TLS, built on
 * java.net.http. It never follows redirects, so tests see exactly what the registry answered; it sends the
 * credentials it was given with every request. Above the raw {@link #send}, the push and pull steps clients take
 * (blobs monolithic or in chunks, image manifests, verified pulls) and the management calls tests set servers up
 * with. Headers the JDK client refuses to set (Content-Length, Expect, Host) need a raw socket instead.
 */
public final class RegistryApiClient {
    public static final String OCTETS = "application/octet-stream";
    public static final String OCI_MANIFEST = MediaTypes.OCI_MANIFEST;
    public static final String OCI_INDEX = MediaTypes.OCI_INDEX;
    public static final String DOCKER_MANIFEST = MediaTypes.DOCKER_MANIFEST;
    public static final String DOCKER_LIST = MediaTypes.DOCKER_MANIFEST_LIST;
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    /** What a client accepts that takes every manifest type. */
    public static final String ACCEPT_ANY_MANIFEST = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);

    private static final Map<Object, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private final URI base;
    private final HttpClient http;
    private final List<String> headers;
    private Consumer<Response> observer = response -> { };
    private Consumer<byte[]> sent = body -> { };

    /** A client of the registry at base ("http://host:port"), trusting tls (null: the JDK's default trust). */
    public RegistryApiClient(URI base, SSLContext tls) {
        this(base, client(tls, null), List.of());
    }

    public RegistryApiClient(String hostPort) {
        this(URI.create("http://" + hostPort), null);
    }

    private RegistryApiClient(URI base, HttpClient http, List<String> headers) {
        this.base = base;
        this.http = http;
        this.headers = headers;
    }

    /** One JDK client per TLS context and source address, shared by every RegistryApiClient that uses them. */
    private static HttpClient client(SSLContext tls, InetAddress source) {
        List<Object> key = Arrays.asList(tls, source);
        return CLIENTS.computeIfAbsent(key, k -> {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(5))
                    .executor(Executors.newVirtualThreadPerTaskExecutor());
            if (tls != null) {
                builder.sslContext(tls);
            }
            if (source != null) {
                builder.localAddress(source);
            }
            return builder.build();
        });
    }

    /** The same client sending user's Basic credentials with every request. */
    public RegistryApiClient as(String user, String password) {
        return withHeader("Authorization", basic(user, password));
    }

    /** The same client sending the bearer token with every request. */
    public RegistryApiClient withBearer(String token) {
        return withHeader("Authorization", "Bearer " + token);
    }

    /** The same client sending a header with every request (another value of that header replaces it). */
    public RegistryApiClient withHeader(String name, String value) {
        List<String> more = new ArrayList<>();
        for (int i = 0; i < headers.size(); i += 2) {
            if (!headers.get(i).equalsIgnoreCase(name)) {
                more.add(headers.get(i));
                more.add(headers.get(i + 1));
            }
        }
        more.add(name);
        more.add(value);
        return copy(http, more);
    }

    /** The same client connecting from another loopback address (127.0.0.x), to act as another source. */
    public RegistryApiClient from(String sourceAddress) {
        try {
            return copy(client(null, InetAddress.getByName(sourceAddress)), headers);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(sourceAddress, e);
        }
    }

    /** The same client telling observer of every answer (before its status is checked) and sent of every body. */
    public RegistryApiClient observing(Consumer<Response> observer, Consumer<byte[]> sent) {
        RegistryApiClient copy = copy(http, headers);
        copy.observer = observer;
        copy.sent = sent;
        return copy;
    }

    private RegistryApiClient copy(HttpClient client, List<String> newHeaders) {
        RegistryApiClient copy = new RegistryApiClient(base, client, List.copyOf(newHeaders));
        copy.observer = observer;
        copy.sent = sent;
        return copy;
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public URI base() {
        return base;
    }

    /** Resolves a path ("/v2/...") or an absolute URL (a Location the registry gave) against the registry. */
    public URI resolve(String pathOrUrl) {
        return base.resolve(pathOrUrl);
    }

    // ---- requests ----------------------------------------------------------------------------------------------

    public Response get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    public Response head(String path, String... headers) {
        return send("HEAD", path, null, headers);
    }

    public Response delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    public Response post(String path, byte[] body, String... headers) {
        return send("POST", path, body, headers);
    }

    public Response put(String path, byte[] body, String... headers) {
        return send("PUT", path, body, headers);
    }

    public Response patch(String path, byte[] body, String... headers) {
        return send("PATCH", path, body, headers);
    }

    /**
     * One request; headers alternate name, value (a null value sends no such header). A null body sends no body (POST/PUT/PATCH still send
     * Content-Length: 0). A connection that fails throws UncheckedIOException.
     */
    public Response send(String method, String pathOrUrl, byte[] body, String... extraHeaders) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(resolve(pathOrUrl)).timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.size(); i += 2) {
            builder.setHeader(headers.get(i), headers.get(i + 1));
        }
        for (int i = 0; i < extraHeaders.length; i += 2) {
            if (extraHeaders[i + 1] != null) {
                builder.setHeader(extraHeaders[i], extraHeaders[i + 1]);
            }
        }
        if (method.equals("HEAD")) {
            builder.HEAD();
        } else {
            builder.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        }
        if (body != null) {
            sent.accept(body);
        }
        try {
            var response = http.send(builder.build(), BodyHandlers.ofByteArray());
            Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            map.putAll(response.headers().map());
            Response answer = new Response(method, response.uri().toString(), response.statusCode(), map, response.body());
            observer.accept(answer);
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + pathOrUrl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A JSON request (management API, token service); fails unless the answer is 2xx. */
    public Response json(String method, String path, String json) {
        Response response = send(method, path, json == null ? null : json.getBytes(StandardCharsets.UTF_8),
                json == null ? new String[0] : new String[] {"Content-Type", "application/json"});
        if (response.status() < 200 || response.status() > 299) {
            throw new AssertionError(method + " " + path + " did not succeed: " + response);
        }
        return response;
    }

    /** Adds a query parameter to a URL that may already carry a query (upload Locations often do). */
    public static String withQuery(String url, String parameter) {
        return url + (url.contains("?") ? "&" : "?") + parameter;
    }

    /** The path and query of a Location, to replay it against another server or after a restart. */
    public static String pathAndQuery(String location) {
        URI uri = URI.create(location);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    // ---- push and pull -----------------------------------------------------------------------------------------

    /** Uploads a blob by POST then PUT ?digest= with the bytes, the monolithic way every registry supports. */
    public Digest uploadBlob(String repository, byte[] content) {
        return uploadBlob(repository, content, 0);
    }

    /**
     * Uploads a blob: chunk 0 sends it with the PUT that ends the upload; otherwise in PATCH requests of chunk bytes
     * (the last piece goes with the PUT). Fails unless each step is answered as the specification says.
     */
    public Digest uploadBlob(String repository, byte[] content, int chunk) {
        Digest digest = Digest.sha256(content);
        String location = post("/v2/" + repository + "/blobs/uploads/", null).expect(202).location();
        int offset = 0;
        while (chunk > 0 && content.length - offset > chunk) {
            byte[] piece = Arrays.copyOfRange(content, offset, offset + chunk);
            location = patch(location, piece, "Content-Type", OCTETS,
                    "Content-Range", offset + "-" + (offset + piece.length - 1)).expect(202).location();
            offset += piece.length;
        }
        byte[] rest = Arrays.copyOfRange(content, offset, content.length);
        put(withQuery(location, "digest=" + digest), rest, "Content-Type", OCTETS).expect(201);
        return digest;
    }

    /** Uploads a blob unless HEAD says the repository has it, as docker does; returns its digest. */
    public Digest pushBlob(String repository, byte[] content) {
        return pushBlob(repository, content, 0);
    }

    public Digest pushBlob(String repository, byte[] content, int chunk) {
        Digest digest = Digest.sha256(content);
        if (hasBlob(repository, digest.toString())) {
            return digest;
        }
        return uploadBlob(repository, content, chunk);
    }

    public boolean hasBlob(String repository, String digest) {
        return head("/v2/" + repository + "/blobs/" + digest).status() == 200;
    }

    /** PUTs a manifest under reference (tag or digest); the answer, whatever its status. */
    public Response putManifest(String repository, String reference, String mediaType, byte[] manifest) {
        return put("/v2/" + repository + "/manifests/" + reference, manifest, "Content-Type", mediaType);
    }

    /** PUTs a manifest and fails unless 201; returns its digest. */
    public Digest pushManifest(String repository, String reference, String mediaType, byte[] manifest) {
        putManifest(repository, reference, mediaType, manifest).expect(201);
        return Digest.sha256(manifest);
    }

    /**
     * Pushes an image: contents[0] as its config, the rest as layers, each unless the repository has it, then the
     * OCI manifest under tag. Returns the manifest PUT's answer, whatever its status.
     */
    public Response pushImage(String repository, String tag, List<byte[]> contents) {
        List<Digest> digests = contents.stream().map(c -> pushBlob(repository, c)).toList();
        return putManifest(repository, tag, OCI_MANIFEST, imageManifest(digests, contents));
    }

    /** An OCI image manifest over blobs (the first the config, the rest layers) whose bytes are contents. */
    public static byte[] imageManifest(List<Digest> blobs, List<byte[]> contents) {
        StringBuilder layers = new StringBuilder();
        for (int i = 1; i < blobs.size(); i++) {
            layers.append(i > 1 ? "," : "").append(descriptor(OCI_LAYER, blobs.get(i), contents.get(i).length));
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor(OCI_CONFIG, blobs.get(0), contents.get(0).length) + ",\"layers\":[" + layers + "]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String descriptor(String mediaType, Digest digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    /** GET a manifest accepting every manifest type; the answer, whatever its status. */
    public Response manifest(String repository, String reference) {
        return get("/v2/" + repository + "/manifests/" + reference, "Accept", ACCEPT_ANY_MANIFEST);
    }

    public int manifestStatus(String repository, String reference) {
        return head("/v2/" + repository + "/manifests/" + reference, "Accept", ACCEPT_ANY_MANIFEST).status();
    }

    /** Pulls repository:reference and every blob its manifest names, checking each digest; returns the manifest's. */
    public Digest pullVerified(String repository, String reference) {
        Response manifest = manifest(repository, reference).expect(200);
        JsonNode doc = manifest.json();
        List<JsonNode> descriptors = new ArrayList<>();
        descriptors.add(doc.get("config"));
        doc.get("layers").forEach(descriptors::add);
        for (JsonNode descriptor : descriptors) {
            Digest digest = Digest.parse(descriptor.get("digest").asText());
            Response blob = get("/v2/" + repository + "/blobs/" + digest);
            if (blob.status() != 200 || !Digest.sha256(blob.body()).equals(digest)) {
                throw new AssertionError("blob " + digest + " of " + repository + " answered " + blob.status());
            }
        }
        return Digest.sha256(manifest.body());
    }

    /** The repository's tags from GET /v2/name/tags/list; fails unless 200. */
    public List<String> tags(String repository) {
        List<String> tags = new ArrayList<>();
        get("/v2/" + repository + "/tags/list").expect(200).json().path("tags").forEach(t -> tags.add(t.asText()));
        return tags;
    }

    // ---- management API (as an admin) --------------------------------------------------------------------------

    public void addUser(String name, String password) {
        json("POST", "/api/v1/users", "{\"name\":\"" + name + "\",\"password\":\"" + password + "\"}");
    }

    public void createNamespace(String name, boolean isPublic) {
        json("POST", "/api/v1/namespaces", "{\"name\":\"" + name + "\",\"public\":" + isPublic + "}");
    }

    public void grant(String namespace, String user, String role) {
        json("PUT", "/api/v1/namespaces/" + namespace + "/members/" + user, "{\"role\":\"" + role + "\"}");
    }

    /** Creates a robot token for one namespace, valid for an hour; returns its secret ("berth_<id>_<secret>"). */
    public String createToken(String name, String namespace, String repositoryPattern, String... actions) {
        String actionList = String.join(",", Arrays.stream(actions).map(a -> "\"" + a + "\"").toList());
        return json("POST", "/api/v1/tokens", "{\"name\":\"" + name + "\",\"namespace\":\"" + namespace
                + "\",\"expiresIn\":\"1h\",\"repositories\":[\"" + repositoryPattern + "\"],\"actions\":[" + actionList + "]}")
                .expect(201).json().path("secret").asText();
    }
}
