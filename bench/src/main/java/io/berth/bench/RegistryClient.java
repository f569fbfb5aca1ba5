package io.berth.bench;

import io.berth.bench.Http.Connection;
import io.berth.bench.Http.Reply;
import io.berth.bench.Http.Request;
import io.berth.bench.Http.Sink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The registry API calls the workloads make, on one connection, as a registry client makes them. Every call checks
 * the status the spec requires and throws {@link BenchException} otherwise: a wrong answer is a broken benchmark.
 */
final class RegistryClient {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    /** The Accept header docker and containerd send for manifests. */
    static final String MANIFEST_ACCEPT = String.join(", ",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    private final Connection connection;
    /** For blob GETs when not null (the pull workloads); else they go through connection. */
    private final BlobReader blobReader;

    RegistryClient(Connection connection) {
        this(connection, null);
    }

    RegistryClient(Connection connection, BlobReader blobReader) {
        this.connection = connection;
        this.blobReader = blobReader;
    }

    /** Closes the connection and the blob reader, if any. */
    void close() {
        connection.close();
        if (blobReader != null) {
            blobReader.close();
        }
    }

    Connection connection() {
        return connection;
    }

    /** POST: starts an upload and returns its location (path and query). */
    String startUpload(String repository) throws IOException {
        Reply reply = expect(connection.call(Request.send(HttpMethod.POST, "/v2/" + repository + "/blobs/uploads/", null)),
                202, "start upload");
        return location(reply);
    }

    /** Monolithic upload: POST, then PUT with the whole body. Releases body. */
    void pushMonolithic(String repository, ByteBuf body, String digest) throws IOException {
        String location;
        try {
            location = startUpload(repository);
        } catch (IOException | RuntimeException e) {
            body.release();
            throw e;
        }
        expect(connection.call(Request.send(HttpMethod.PUT, withDigest(location, digest), body,
                "Content-Type", "application/octet-stream")), 201, "monolithic PUT");
    }

    /** Chunked upload: POST, PATCHes of chunkSize with Content-Range, PUT ?digest= without body. Releases body. */
    void pushChunked(String repository, ByteBuf body, String digest, int chunkSize) throws IOException {
        try {
            String location = startUpload(repository);
            int size = body.readableBytes();
            for (int offset = 0; offset < size; offset += chunkSize) {
                int length = Math.min(chunkSize, size - offset);
                Reply reply = expect(connection.call(Request.send(HttpMethod.PATCH, location,
                        body.retainedSlice(body.readerIndex() + offset, length),
                        "Content-Type", "application/octet-stream",
                        "Content-Range", offset + "-" + (offset + length - 1))), 202, "PATCH chunk");
                location = location(reply);
            }
            expect(connection.call(Request.send(HttpMethod.PUT, withDigest(location, digest), null)), 201, "closing PUT");
        } finally {
            body.release();
        }
    }

    /** Cross-repository mount; 201 means mounted. */
    void mount(String repository, String digest, String from) throws IOException {
        expect(connection.call(Request.send(HttpMethod.POST, "/v2/" + repository + "/blobs/uploads/?mount="
                + encode(digest) + "&from=" + encode(from), null)), 201, "mount");
    }

    void putManifest(String repository, String reference, byte[] manifest) throws IOException {
        expect(connection.call(Request.send(HttpMethod.PUT, "/v2/" + repository + "/manifests/" + reference,
                Unpooled.wrappedBuffer(manifest), "Content-Type", OCI_MANIFEST)), 201, "manifest PUT");
    }

    byte[] getManifest(String repository, String reference) throws IOException {
        return expect(connection.call(Request.get("/v2/" + repository + "/manifests/" + reference, Sink.KEEP,
                "Accept", MANIFEST_ACCEPT)), 200, "manifest GET").body();
    }

    /** GET of a blob; checks its size and, when verify, its digest. Returns the bytes received. */
    long pullBlob(String repository, String digest, long size, boolean verify) throws IOException {
        String uri = "/v2/" + repository + "/blobs/" + digest;
        Reply reply = expect(blobReader != null ? blobReader.get(uri, verify)
                : connection.call(Request.get(uri, verify ? Sink.SHA256 : Sink.DISCARD)), 200, "blob GET");
        if (reply.bodyBytes() != size) {
            throw new BenchException("blob GET " + digest + ": " + reply.bodyBytes() + " bytes, expected " + size);
        }
        if (verify && !digest.equals("sha256:" + reply.sha256())) {
            throw new BenchException("blob GET " + digest + ": content has digest sha256:" + reply.sha256());
        }
        return reply.bodyBytes();
    }

    /** Every repository of the catalog, paging with n and following Link headers; pages counts the requests. */
    List<String> catalog(int n, int[] pages) throws IOException {
        List<String> names = new ArrayList<>();
        String uri = "/v2/_catalog?n=" + n;
        int guard = 0;
        while (uri != null) {
            if (++guard > 1_000_000) {
                throw new BenchException("catalog paging does not end");
            }
            Reply reply = expect(connection.call(Request.get(uri, Sink.KEEP)), 200, "catalog GET");
            pages[0]++;
            names.addAll(Json.stringArray(reply.bodyText(), "repositories"));
            uri = nextLink(reply);
        }
        return names;
    }

    /** All tags of a repository in one GET (no n: Distribution 2.8 does not page tags). Returns how many. */
    int tags(String repository) throws IOException {
        Reply reply = expect(connection.call(Request.get("/v2/" + repository + "/tags/list", Sink.KEEP)), 200, "tags GET");
        return Json.stringArray(reply.bodyText(), "tags").size();
    }

    private static String nextLink(Reply reply) {
        String link = reply.header("Link");
        if (link == null) {
            return null;
        }
        Matcher m = NEXT_LINK.matcher(link);
        if (!m.find()) {
            return null;
        }
        return pathOf(m.group(1));
    }

    static Reply expect(Reply reply, int status, String what) {
        if (reply.status() != status) {
            throw new BenchException(what + ": status " + reply.status() + ", expected " + status + ": "
                    + reply.bodyText().strip());
        }
        return reply;
    }

    private static String location(Reply reply) {
        String location = reply.header("Location");
        if (location == null) {
            throw new BenchException("status " + reply.status() + " without Location");
        }
        return pathOf(location);
    }

    /** The path and query of an absolute or relative URL. */
    static String pathOf(String url) {
        if (url.startsWith("/")) {
            return url;
        }
        URI uri = URI.create(url);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static String withDigest(String location, String digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + encode(digest);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
