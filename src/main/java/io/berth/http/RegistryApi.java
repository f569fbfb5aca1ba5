package io.berth.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.config.BuildInfo;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.model.UploadSession;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.MediaTypes;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.BlobBytes;
import io.berth.registry.ContentRange;
import io.berth.registry.Registry;
import io.berth.registry.UploadRangeException;
import io.berth.registry.UploadResult;
import io.berth.registry.UploadWriter;
import io.berth.registry.Uploads;
import io.netty.buffer.ByteBuf;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The OCI Distribution / Docker Registry v2 endpoints: requests in, {@link Registry} calls, responses out. */
public final class RegistryApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEFAULT_CATALOG_PAGE = 1000;
    private static final int MAX_PAGE = 10_000;
    private static final int MAX_REFERRERS_BYTES = Registry.MAX_MANIFEST_BYTES;

    private final Registry registry;
    private final Uploads uploads;

    public RegistryApi(Registry registry, Uploads uploads) {
        this.registry = registry;
        this.uploads = uploads;
    }

    // ---- base and health

    Outcome health(Exchange ex) {
        return Response.status(200).body("ok\n".getBytes(StandardCharsets.UTF_8), "text/plain");
    }

    Outcome ready(Exchange ex) {
        // A full disk still serves pulls, so the node stays in rotation; the body says why pushes answer 507.
        String body = uploads.storageFull() ? "ready\nstorage: full\n" : "ready\n";
        return registry.ready()
                ? Response.status(200).body(body.getBytes(StandardCharsets.UTF_8), "text/plain")
                : ErrorMapper.envelope(ErrorCode.UNAVAILABLE, "metadata store unreachable", null, Map.of());
    }

    Outcome base(Exchange ex) {
        return Response.status(200).header("Berth-Version", BuildInfo.current().header()).json("{}");
    }

    /** {"version":"0.1.0","commit":"385646b29f8e","built":"2026-12-07T20:30:00Z"}: which Berth answers. */
    Outcome version(Exchange ex) {
        BuildInfo build = BuildInfo.current();
        return Response.status(200).json("{\"version\":\"" + build.version() + "\",\"commit\":\"" + build.commit()
                + "\",\"built\":\"" + build.time() + "\"}\n");
    }

    // ---- blobs

    Outcome getBlob(Exchange ex) throws java.io.IOException {
        RepositoryName name = name(ex);
        Digest digest = existingBlob(ex);
        BlobBytes content = registry.blob(name, digest);
        if (!ex.isHead()) {
            Optional<java.net.URI> redirect = registry.redirect(digest);
            if (redirect.isPresent()) {
                // The client fetches the bytes from object storage directly (Range and all); docker, podman,
                // skopeo and containerd follow it.
                return Response.status(307).header("Location", redirect.get().toString())
                        .header("Docker-Content-Digest", digest.toString());
            }
        }
        long size = content.size();
        Response response = Response.status(200)
                .header("Docker-Content-Digest", digest.toString())
                .header("Content-Type", "application/octet-stream")
                .header("Accept-Ranges", "bytes")
                .header("ETag", "\"" + digest + "\"")
                .header("Cache-Control", "max-age=31536000");
        long offset = 0;
        long length = size;
        String range = ex.header("Range");
        if (range != null) {
            long[] r = ByteRanges.parse(range, size);
            if (r == null) {
                throw new RegistryException(ErrorCode.RANGE_INVALID, "requested range not satisfiable", null,
                        Map.of("Content-Range", "bytes */" + size));
            }
            if (r.length == 2) {
                offset = r[0];
                length = r[1] - r[0] + 1;
                response = copyWithStatus(response, 206).header("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + size);
            }
        }
        if (ex.isHead()) {
            // docker skips the upload of a blob a HEAD found: the blob's grace period before collection restarts.
            registry.touch(name, digest);
        }
        if (ex.isHead() || length == 0) {
            return response.contentLength(length);
        }
        Optional<Path> file = content.localFile();
        if (file.isPresent()) {
            return response.file(file.get(), offset, length);
        }
        long from = offset;
        long count = length;
        return response.stream(() -> content.openStream(from, count), length);
    }

    /** GET and HEAD of a blob answer 200 or 404 only (spec end-2): a digest that is not valid names no blob. */
    private static Digest existingBlob(Exchange ex) {
        String text = ex.param("digest");
        try {
            return Digest.parse(text);
        } catch (RegistryException e) {
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob unknown: " + e.getMessage(),
                    Map.of("digest", text.substring(0, Math.min(text.length(), 200))));
        }
    }

    private static Response copyWithStatus(Response from, int status) {
        Response to = Response.status(status);
        from.headers().forEach(h -> to.header(h.getKey(), h.getValue()));
        return to;
    }

    Outcome deleteBlob(Exchange ex) {
        registry.deleteBlob(name(ex), Digest.parse(ex.param("digest")));
        return Response.status(202);
    }

    // ---- uploads

    Outcome startUpload(Exchange ex) {
        RepositoryName name = name(ex);
        String mount = ex.query("mount");
        // A mount of a digest that is not valid cannot be done: like any mount that cannot, it opens an upload
        // session (202) instead, as the spec asks (end-11 answers 201 or 202).
        Digest mountDigest = mount == null || !validDigest(mount) ? null : Digest.parse(mount);
        if (mountDigest != null) {
            Digest digest = mountDigest;
            String fromParam = ex.query("from");
            RepositoryName from = RepositoryName.isValid(fromParam) ? new RepositoryName(fromParam) : null;
            if (registry.mount(name, digest, from, ex.pullFilter())) {
                return Response.status(201)
                        .header("Location", ex.url("/v2/" + name + "/blobs/" + digest))
                        .header("Docker-Content-Digest", digest.toString());
            }
        }
        String algorithm = Optional.ofNullable(ex.query("digest-algorithm")).orElse("sha256");
        String digestParam = ex.query("digest");
        if (digestParam != null && mount == null) {
            Digest digest = Digest.parse(digestParam);
            UploadSession session = uploads.start(name, digest.algorithm());
            try {
                return new UploadBody(ex, uploads.openWriter(name, session.id(), null, digest), false);
            } catch (RegistryException e) {
                throw uploadFailure(e, false);
            }
        }
        UploadSession session = uploads.start(name, algorithm);
        return uploadAccepted(ex, session, 202);
    }

    private static boolean validDigest(String text) {
        try {
            Digest.parse(text);
            return true;
        } catch (RegistryException e) {
            return false;
        }
    }

    Outcome uploadStatus(Exchange ex) {
        UploadSession session = uploads.status(name(ex), ex.param("uuid"));
        return uploadAccepted(ex, session, 204);
    }

    Outcome patchUpload(Exchange ex) {
        RepositoryName name = name(ex);
        String rangeHeader = ex.header("Content-Range");
        ContentRange range = rangeHeader == null ? null : ContentRange.parse(rangeHeader);
        if (range != null) {
            // Validate the session first so an unknown upload is 404, not 416.
            uploads.session(name, ex.param("uuid"));
        }
        try {
            return new UploadBody(ex, uploads.openWriter(name, ex.param("uuid"), range, null), false);
        } catch (RegistryException e) {
            throw uploadFailure(e, false);
        }
    }

    Outcome finishUpload(Exchange ex) {
        RepositoryName name = name(ex);
        String digestParam = ex.query("digest");
        if (digestParam == null) {
            uploads.session(name, ex.param("uuid"));
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "digest query parameter required to finish an upload");
        }
        Digest digest = Digest.parse(digestParam);
        String rangeHeader = ex.header("Content-Range");
        try {
            ContentRange range = rangeHeader == null ? null : ContentRange.parse(rangeHeader);
            return new UploadBody(ex, uploads.openWriter(name, ex.param("uuid"), range, digest), true);
        } catch (RegistryException e) {
            throw uploadFailure(e, true);
        }
    }

    /**
     * An upload request's failure as the client sees it. A chunk that does not follow the upload says where the
     * upload ends (Range, Docker-Upload-UUID). The closing PUT answers 201, 404 or 400 (spec end-6; 416 is the
     * PATCH's answer): there a range that does not follow the upload is 400 BLOB_UPLOAD_INVALID, with those headers.
     */
    private static RegistryException uploadFailure(RegistryException e, boolean closing) {
        Map<String, String> headers = e instanceof UploadRangeException range
                ? Map.of("Range", uploadRange(range.offset()), "Docker-Upload-UUID", range.uploadId())
                : Map.of();
        ErrorCode code = closing && e.code() == ErrorCode.RANGE_INVALID ? ErrorCode.BLOB_UPLOAD_INVALID : e.code();
        return code == e.code() && headers.isEmpty() ? e : new RegistryException(code, e.getMessage(), e.detail(), headers);
    }

    /** The Range header of an upload holding offset bytes: the inclusive range it holds ("0-0" when empty). */
    private static String uploadRange(long offset) {
        return "0-" + Math.max(0, offset - 1);
    }

    Outcome cancelUpload(Exchange ex) {
        uploads.cancel(name(ex), ex.param("uuid"));
        return Response.status(204);
    }

    private static Response uploadAccepted(Exchange ex, UploadSession session, int status) {
        return Response.status(status)
                .header("Location", ex.url("/v2/" + session.repository() + "/blobs/uploads/" + session.id()))
                .header("Docker-Upload-UUID", session.id())
                .header("Range", uploadRange(session.offset()));
    }

    /** Streams a request body into an upload, then answers 202 (still open) or 201 (blob committed). */
    private static final class UploadBody implements BodyConsumer {
        private final Exchange ex;
        private final UploadWriter writer;
        private final boolean closing;

        UploadBody(Exchange ex, UploadWriter writer, boolean closing) {
            this.ex = ex;
            this.writer = writer;
            this.closing = closing;
        }

        @Override
        public void onData(ByteBuf content) {
            if (!content.isReadable()) {
                return;
            }
            for (ByteBuffer buffer : content.nioBuffers()) {
                writer.write(buffer);
            }
        }

        @Override
        public Response finish() {
            UploadResult result;
            try {
                result = writer.complete();
            } catch (RegistryException e) {
                throw uploadFailure(e, closing);
            }
            if (result.isCommitted()) {
                return Response.status(201)
                        .header("Location", ex.url("/v2/" + result.repository() + "/blobs/" + result.digest()))
                        .header("Docker-Content-Digest", result.digest().toString());
            }
            return uploadAccepted(ex, result.session(), 202);
        }

        @Override
        public void abort() {
            writer.abort();
        }

        @Override
        public RegistryException malformed() {
            return new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, "malformed request body");
        }
    }

    // ---- manifests

    Outcome getManifest(Exchange ex) {
        RepositoryName name = name(ex);
        Reference reference = existingManifest(ex);
        if (ex.isHead()) {
            ManifestRecord record = registry.manifestRecord(name, reference);
            return manifestHeaders(record).contentLength(record.size());
        }
        Registry.StoredManifest manifest = registry.manifest(name, reference);
        registry.recordPull(name, manifest.record().digest());
        return manifestHeaders(manifest.record()).body(manifest.bytes(), null);
    }

    /**
     * GET, HEAD and DELETE of a manifest: a reference that is neither a valid tag nor a valid digest names no
     * manifest, and the spec allows only 404 for one that is not there (end-3). PUT still refuses it with 400.
     */
    private static Reference existingManifest(Exchange ex) {
        String text = ex.param("reference");
        try {
            return Reference.parse(text);
        } catch (RegistryException e) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest unknown: not a valid tag or digest",
                    Map.of("reference", text.substring(0, Math.min(text.length(), 200))));
        }
    }

    private static Response manifestHeaders(ManifestRecord record) {
        return Response.status(200)
                .header("Content-Type", record.mediaType())
                .header("Docker-Content-Digest", record.digest().toString())
                .header("ETag", "\"" + record.digest() + "\"");
    }

    Outcome putManifest(Exchange ex) {
        RepositoryName name = name(ex);
        Reference reference = Reference.parse(ex.param("reference"));
        List<Tag> extraTags = new ArrayList<>();
        for (String tag : ex.queryAll("tag")) {
            extraTags.add(new Tag(tag));
        }
        String length = ex.header("Content-Length");
        if (length != null && parseLong(length) > Registry.MAX_MANIFEST_BYTES) {
            throw tooLarge();
        }
        String contentType = ex.header("Content-Type");
        return new SmallBody(Registry.MAX_MANIFEST_BYTES, RegistryApi::tooLarge, body -> {
            Registry.PutResult result = registry.putManifest(name, reference, contentType, body, extraTags, actor(ex));
            Response response = Response.status(201)
                    .header("Location", ex.url("/v2/" + name + "/manifests/" + result.digest()))
                    .header("Docker-Content-Digest", result.digest().toString());
            if (result.subject() != null) {
                response.header("OCI-Subject", result.subject().toString());
            }
            if (reference.isDigest()) {
                result.tags().forEach(tag -> response.header("OCI-Tag", tag.value()));
            }
            return response;
        });
    }

    private static RegistryException tooLarge() {
        return new RegistryException(ErrorCode.MANIFEST_TOO_LARGE, "manifest larger than 4 MiB",
                Map.of("limit", Registry.MAX_MANIFEST_BYTES));
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    Outcome deleteManifest(Exchange ex) {
        RepositoryName name = name(ex);
        registry.deleteManifest(name, existingManifest(ex), actor(ex));
        return Response.status(202);
    }

    // ---- listings

    Outcome tags(Exchange ex) {
        RepositoryName name = name(ex);
        int n = pageSize(ex, 1_000_000);
        String last = ex.query("last");
        Page<String> page = registry.tags(name, last, n);
        Response response = Response.status(200).json("{\"name\":\"" + name.value() + "\",\"tags\":"
                + jsonNames(page.items()) + "}");
        if (page.more() && !page.items().isEmpty()) {
            response.header("Link", "</v2/" + name + "/tags/list?n=" + n + "&last="
                    + encode(page.items().get(page.items().size() - 1)) + ">; rel=\"next\"");
        }
        return response;
    }

    Outcome catalog(Exchange ex) {
        int n = pageSize(ex, DEFAULT_CATALOG_PAGE);
        String last = ex.query("last");
        Page<String> page = registry.catalog(last, n, ex.pullFilter());
        Response response = Response.status(200).json("{\"repositories\":" + jsonNames(page.items()) + "}");
        if (page.more() && !page.items().isEmpty()) {
            response.header("Link", "</v2/_catalog?n=" + n + "&last="
                    + encode(page.items().get(page.items().size() - 1)) + ">; rel=\"next\"");
        }
        return response;
    }

    /**
     * A JSON array of repository names or tags, written directly: their grammars (checked when they were stored)
     * admit no character JSON would escape, and a list of thousands of tags is built without a tree.
     */
    static String jsonNames(List<String> names) {
        StringBuilder out = new StringBuilder(names.size() * 24 + 2).append('[');
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"').append(names.get(i)).append('"');
        }
        return out.append(']').toString();
    }

    private static int pageSize(Exchange ex, int absent) {
        String n = ex.query("n");
        if (n == null || n.isEmpty()) {
            return absent;
        }
        try {
            int value = Integer.parseInt(n);
            if (value < 0) {
                throw new NumberFormatException();
            }
            return Math.min(value, MAX_PAGE);
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.PAGINATION_NUMBER_INVALID, "n must be a non-negative integer",
                    Map.of("n", n.substring(0, Math.min(n.length(), 32))));
        }
    }

    Outcome referrers(Exchange ex) {
        RepositoryName name = name(ex);
        Digest subject = Digest.parse(ex.param("digest"));
        String artifactType = ex.query("artifactType");
        String last = ex.query("last");
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = root.putArray("manifests");
        int bytes = 128;
        String lastIncluded = null;
        boolean more = false;
        for (ManifestRecord record : registry.referrers(name, subject, artifactType)) {
            if (last != null && record.digest().toString().compareTo(last) <= 0) {
                continue;
            }
            ObjectNode d = JSON.createObjectNode();
            d.put("mediaType", record.mediaType());
            d.put("digest", record.digest().toString());
            d.put("size", record.size());
            if (record.artifactType() != null) {
                d.put("artifactType", record.artifactType());
            }
            if (!record.annotations().isEmpty()) {
                d.set("annotations", JSON.valueToTree(record.annotations()));
            }
            int size = d.toString().length() + 1;
            if (bytes + size > MAX_REFERRERS_BYTES && lastIncluded != null) {
                more = true;
                break;
            }
            bytes += size;
            manifests.add(d);
            lastIncluded = record.digest().toString();
        }
        Response response = Response.status(200)
                .body(root.toString().getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_INDEX);
        if (artifactType != null) {
            response.header("OCI-Filters-Applied", "artifactType");
        }
        if (more) {
            response.header("Link", "</v2/" + name + "/referrers/" + subject + "?last=" + encode(lastIncluded)
                    + (artifactType == null ? "" : "&artifactType=" + encode(artifactType)) + ">; rel=\"next\"");
        }
        return response;
    }

    /** Who the tag history records: the authenticated caller, or "anonymous" while access control is off. */
    static String actor(Exchange ex) {
        return ex.principal().name();
    }

    private static RepositoryName name(Exchange ex) {
        return new RepositoryName(ex.param("name"));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
