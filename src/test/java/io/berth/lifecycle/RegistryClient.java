package io.berth.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** A minimal registry client for lifecycle tests: pushes and pulls one-layer-plus-base images as docker does. */
final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    /** The Authorization header of every request (Basic credentials work on /v2 and /api/v1); null sends none. */
    private final String authorization;

    RegistryClient(String hostPort) {
        this(hostPort, null);
    }

    private RegistryClient(String hostPort, String authorization) {
        this.base = "http://" + hostPort;
        this.authorization = authorization;
    }

    /** A client of the same registry that sends user's Basic credentials. */
    RegistryClient as(String user, String password) {
        return new RegistryClient(base.substring("http://".length()), "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    record Reply(int status, String body, byte[] bytes, HttpResponse<byte[]> raw) {
        String errorCode() {
            try {
                return JSON.readTree(body).path("errors").path(0).path("code").asText();
            } catch (Exception e) {
                return "";
            }
        }

        String message() {
            try {
                return JSON.readTree(body).path("errors").path(0).path("message").asText();
            } catch (Exception e) {
                return "";
            }
        }
    }

    Reply send(String method, String path, byte[] body, String contentType) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            if (method.equals("GET") && path.contains("/manifests/")) {
                b.header("Accept", OCI_MANIFEST);
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r.body(), r);
        } catch (Exception e) {
            throw new AssertionError(method + " " + path, e);
        }
    }

    /** Sends a JSON body (a management API change) and expects a 2xx answer. */
    Reply sendJson(String method, String path, String json) {
        Reply r = send(method, path, json.getBytes(StandardCharsets.UTF_8), "application/json");
        if (r.status() < 200 || r.status() > 299) {
            throw new AssertionError(method + " " + path + " answered " + r.status() + " " + r.body());
        }
        return r;
    }

    /** GETs path, expects 200 and returns the JSON answer. */
    JsonNode getJson(String path) {
        Reply r = send("GET", path, null, null);
        if (r.status() != 200) {
            throw new AssertionError("GET " + path + " answered " + r.status() + " " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    /** Uploads a blob unless HEAD says the repository has it (docker's behaviour). */
    Digest pushBlob(String repo, byte[] content) {
        Digest digest = Digest.sha256(content);
        if (send("HEAD", "/v2/" + repo + "/blobs/" + digest, null, null).status() == 200) {
            return digest;
        }
        Reply r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content, "application/octet-stream");
        if (r.status() != 201) {
            throw new AssertionError("blob upload to " + repo + " answered " + r.status() + " " + r.body());
        }
        return digest;
    }

    static byte[] manifest(List<Digest> blobs, List<byte[]> contents) {
        StringBuilder layers = new StringBuilder();
        for (int i = 1; i < blobs.size(); i++) {
            if (i > 1) {
                layers.append(',');
            }
            layers.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"").append(blobs.get(i))
                    .append("\",\"size\":").append(contents.get(i).length).append('}');
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + blobs.get(0) + "\",\"size\":"
                + contents.get(0).length + "},\"layers\":[" + layers + "]}").getBytes(StandardCharsets.UTF_8);
    }

    /** Pushes config + layers and the manifest under tag; returns the manifest reply. */
    Reply pushImage(String repo, String tag, List<byte[]> contents) {
        List<Digest> digests = contents.stream().map(c -> pushBlob(repo, c)).toList();
        return send("PUT", "/v2/" + repo + "/manifests/" + tag, manifest(digests, contents), OCI_MANIFEST);
    }

    /** Pulls repo:reference and every blob it references, checking each digest; returns the manifest digest. */
    Digest pullVerified(String repo, String reference) {
        Reply m = send("GET", "/v2/" + repo + "/manifests/" + reference, null, null);
        if (m.status() != 200) {
            throw new AssertionError("manifest " + repo + ":" + reference + " answered " + m.status() + " " + m.body());
        }
        Digest manifestDigest = Digest.sha256(m.bytes());
        try {
            JsonNode doc = JSON.readTree(m.bytes());
            verifyBlob(repo, doc.get("config"));
            for (JsonNode layer : doc.get("layers")) {
                verifyBlob(repo, layer);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return manifestDigest;
    }

    private void verifyBlob(String repo, JsonNode descriptor) {
        Digest digest = Digest.parse(descriptor.get("digest").asText());
        Reply b = send("GET", "/v2/" + repo + "/blobs/" + digest, null, null);
        if (b.status() != 200 || !Digest.sha256(b.bytes()).equals(digest)) {
            throw new AssertionError("blob " + digest + " of " + repo + " answered " + b.status());
        }
    }
}
