package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one audit entry (who, what, target, from where) after each change that succeeded through the registry or
 * the lifecycle API: tag pushes, tag, manifest, blob and repository deletes, promotions, rollbacks, immutable rule,
 * quota and retention changes, retention and GC runs (not dry runs). It runs inside {@link AuthFilter}, so the
 * caller is known; the route names of {@link Routes} say what happened. Users, namespaces, members and tokens are
 * audited by {@code AccessAdmin} itself, logins by {@code Authenticator}.
 */
public final class AuditFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(AuditFilter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Request bodies kept for the entry's detail: management API bodies are small; longer ones are cut. */
    private static final int KEPT_BODY = 4096;
    private static final int MAX_DETAIL = 512;

    /** Where entries go: {@code AccessAdmin::audit}. */
    @FunctionalInterface
    public interface Sink {
        void audit(String actor, String action, String target, String source, String detail);
    }

    private final Sink sink;

    public AuditFilter(Sink sink) {
        this.sink = sink;
    }

    /** What a route changes: the audit action, its target, and whether the request body says more. */
    private record Change(String action, String target, boolean keepBody) {}

    @Override
    public Outcome filter(Exchange ex, Route route, Route.Handler next) throws Exception {
        Change change;
        try {
            change = "true".equals(ex.query("dryRun")) ? null : change(ex, route);
        } catch (RuntimeException e) {
            // An unreadable reference: the handler answers it, and nothing changes.
            change = null;
        }
        if (change == null) {
            return next.handle(ex);
        }
        Outcome outcome = next.handle(ex);
        if (outcome instanceof Response response) {
            record(ex, route, change, null, response);
            return response;
        }
        return new Audited((BodyConsumer) outcome, ex, route, change);
    }

    private static Change change(Exchange ex, Route route) {
        HttpMethod method = ex.method();
        return switch (route.name()) {
            case "manifest" -> {
                if (method.equals(HttpMethod.PUT)) {
                    Reference reference = Reference.parse(ex.param("reference"));
                    // A push by digest alone (the parts of a multi-platform image) is not a tag change.
                    if (reference.isDigest() && ex.queryAll("tag").isEmpty()) {
                        yield null;
                    }
                    String target = ex.param("name") + (reference.isDigest() ? "@" : ":") + reference
                            + (ex.queryAll("tag").isEmpty() ? "" : " tags " + String.join(",", ex.queryAll("tag")));
                    yield new Change("tag.push", target, false);
                }
                if (method.equals(HttpMethod.DELETE)) {
                    Reference reference = Reference.parse(ex.param("reference"));
                    yield reference.isDigest()
                            ? new Change("manifest.delete", ex.param("name") + "@" + reference, false)
                            : new Change("tag.delete", ex.param("name") + ":" + reference, false);
                }
                yield null;
            }
            case "blob" -> method.equals(HttpMethod.DELETE)
                    ? new Change("blob.delete", ex.param("name") + "@" + ex.param("digest"), false) : null;
            // A forced delete is audited by the handler itself, naming the immutable rules it overrode.
            case "api-repository" -> "true".equals(ex.query("force")) ? null
                    : new Change("repository.delete", ex.param("name"), false);
            case "api-promote" -> new Change("tag.promote", null, true);
            case "api-tag-rollback" -> new Change("tag.rollback", ex.param("name") + ":" + ex.param("tag"), true);
            case "api-immutable" -> method.equals(HttpMethod.POST) ? new Change("immutable.add", ex.param("namespace"), true)
                    : method.equals(HttpMethod.DELETE) ? new Change("immutable.remove", ex.param("namespace"), false) : null;
            case "api-quota" -> new Change("quota.set", ex.param("namespace"), true);
            case "api-retention" -> method.equals(HttpMethod.POST)
                    ? new Change("retention.add", ex.param("namespace"), true) : null;
            case "api-retention-rule" -> new Change("retention.remove", ex.param("namespace") + " rule " + ex.param("id"), false);
            case "api-retention-run" -> new Change("retention.run", ex.param("namespace"), false);
            case "api-gc" -> new Change("gc.run", null, false);
            case "api-vulndb" -> method.equals(HttpMethod.POST) ? new Change("vulndb.import", null, false) : null;
            default -> null;
        };
    }

    private void record(Exchange ex, Route route, Change change, byte[] body, Response response) {
        int status = response.status().code();
        if (status < 200 || status > 299) {
            return;
        }
        String target = change.target();
        String detail;
        JsonNode answer = json(response.bytes());
        switch (route.name()) {
            case "manifest" -> detail = header(response, "Docker-Content-Digest");
            case "api-promote" -> {
                target = answer.path("repository").asText() + ":" + answer.path("tag").asText();
                JsonNode request = json(body);
                detail = "from " + request.path("repository").asText() + ":" + request.path("reference").asText()
                        + " " + answer.path("digest").asText();
            }
            case "api-tag-rollback" -> detail = "to " + answer.path("digest").asText();
            case "api-immutable" -> detail = ex.method().equals(HttpMethod.DELETE) ? "pattern " + ex.query("pattern")
                    : text(body);
            case "api-retention" -> detail = "rule " + answer.path("id").asText() + " " + text(body);
            case "api-retention-run" -> detail = answer.size() + " tags removed";
            case "api-gc" -> detail = answer.path("ran").asBoolean()
                    ? "manifests " + answer.path("manifestsDeleted").asLong() + ", blob links "
                    + answer.path("linksRemoved").asLong() + ", blobs " + answer.path("blobsDeleted").asLong()
                    + ", bytes freed " + answer.path("bytesFreed").asLong()
                    : "not run: another node holds the GC lease";
            case "api-vulndb" -> detail = "generation " + answer.path("generation").asLong() + ", changed "
                    + answer.path("changed").asBoolean();
            default -> detail = change.keepBody() ? text(body) : null;
        }
        String actor = ex.principal().name();
        try {
            sink.audit(actor, change.action(), target, ex.source(), cut(detail));
        } catch (RuntimeException e) {
            // The change is made and answered; a lost entry is logged rather than turned into a failed request.
            LOG.warn("request {}: audit entry {} {} not written: {}", ex.requestId(), change.action(), target, e.toString());
        }
    }

    private static String header(Response response, String name) {
        return response.headers().stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(java.util.Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    private static JsonNode json(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return JSON.missingNode();
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            return node == null ? JSON.missingNode() : node;
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }

    /** A JSON body on one line. */
    private static String text(byte[] body) {
        JsonNode node = json(body);
        return node.isMissingNode() ? null : node.toString();
    }

    private static String cut(String detail) {
        return detail == null || detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL) + "...";
    }

    /** The route's body consumer, keeping a management body for the entry and recording it once answered. */
    private final class Audited implements BodyConsumer {
        private final BodyConsumer inner;
        private final Exchange ex;
        private final Route route;
        private final Change change;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Audited(BodyConsumer inner, Exchange ex, Route route, Change change) {
            this.inner = inner;
            this.ex = ex;
            this.route = route;
            this.change = change;
        }

        @Override
        public void onData(ByteBuf content) throws Exception {
            if (change.keepBody() && body.size() < KEPT_BODY) {
                int n = Math.min(content.readableBytes(), KEPT_BODY - body.size());
                content.getBytes(content.readerIndex(), body, n);
            }
            inner.onData(content);
        }

        @Override
        public Response finish() throws Exception {
            Response response = inner.finish();
            record(ex, route, change, body.toByteArray(), response);
            return response;
        }

        @Override
        public void abort() {
            inner.abort();
        }

        @Override
        public RegistryException malformed() {
            return inner.malformed();
        }
    }
}
