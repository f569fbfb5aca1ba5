package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.AccessPolicy;
import io.berth.auth.Passwords;
import io.berth.auth.Principal;
import io.berth.auth.Scope;
import io.berth.metadata.LifecycleStore;
import io.berth.metadata.LifecycleStore.RetentionRule;
import io.berth.metadata.TagMove;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.GarbageCollector;
import io.berth.registry.Registry;
import io.berth.registry.Retention;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Lifecycle operations in the management API: tag history, rollback, promotion, repository delete, immutable tag
 * rules, quotas and usage, retention rules, garbage collection. While access control is on each one checks the
 * caller's rights (repository actions, namespace ownership, admin); while it is off, as the rest of the registry,
 * it is open.
 */
public final class LifecycleApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Registry registry;
    private final LifecycleStore store;
    private final Retention retention;
    private final GarbageCollector gc;
    private final GarbageCollector.Settings gcSettings;
    private final AccessPolicy policy;

    /** policy is null while access control is off. */
    public LifecycleApi(Registry registry, LifecycleStore store, Retention retention, GarbageCollector gc,
                        GarbageCollector.Settings gcSettings, AccessPolicy policy) {
        this.registry = registry;
        this.store = store;
        this.retention = retention;
        this.gc = gc;
        this.gcSettings = gcSettings;
        this.policy = policy;
    }

    // ---- permission checks

    private void requireRepository(Exchange ex, RepositoryName repository, String action) {
        Principal p = ex.principal();
        if (policy != null && p != null && !policy.allowed(p, repository).contains(action)) {
            throw denied(action + " on " + repository + " needed");
        }
    }

    private void requireManager(Exchange ex, String namespace) {
        Principal p = ex.principal();
        if (policy != null && p != null && !policy.canManage(p, namespace)) {
            throw denied("only an admin or an owner of " + namespace + " may do this");
        }
    }

    private void requireAdmin(Exchange ex) {
        Principal p = ex.principal();
        if (policy != null && p != null && !p.admin()) {
            throw denied("only an admin may do this");
        }
    }

    private static RegistryException denied(String message) {
        return new RegistryException(ErrorCode.DENIED, message);
    }

    private static RegistryException invalid(String message) {
        return new RegistryException(ErrorCode.INVALID_REQUEST, message);
    }

    private static Outcome withJson(ManagementJson.Handler handler) {
        return ManagementJson.body(handler);
    }

    private static Response ok(JsonNode node) {
        return Response.status(200).json(node.toString());
    }

    // ---- tags and repositories

    Outcome history(Exchange ex) {
        RepositoryName repository = new RepositoryName(ex.param("name"));
        requireRepository(ex, repository, Scope.PULL);
        ArrayNode list = JSON.createArrayNode();
        for (TagMove m : registry.tagHistory(repository, new Tag(ex.param("tag")), 100)) {
            ObjectNode node = list.addObject();
            node.put("at", m.at().toString());
            node.put("previous", m.previous() == null ? null : m.previous().toString());
            node.put("digest", m.next() == null ? null : m.next().toString());
            node.put("actor", m.actor());
            node.put("operation", m.operation());
        }
        return ok(list);
    }

    Outcome rollback(Exchange ex) {
        RepositoryName repository = new RepositoryName(ex.param("name"));
        Tag tag = new Tag(ex.param("tag"));
        requireRepository(ex, repository, Scope.DELETE);
        return withJson(body -> {
            String to = ManagementJson.text(body, "to", false);
            int steps = body.path("steps").asInt(1);
            Digest now = registry.rollback(repository, tag, to == null ? null : Digest.parse(to), steps, RegistryApi.actor(ex));
            ObjectNode node = JSON.createObjectNode();
            node.put("digest", now.toString());
            return ok(node);
        });
    }

    Outcome promote(Exchange ex) {
        return withJson(body -> {
            RepositoryName source = new RepositoryName(ManagementJson.text(body, "repository", true));
            Reference reference = Reference.parse(ManagementJson.text(body, "reference", true));
            String targetName = ManagementJson.text(body, "targetRepository", false);
            RepositoryName target = targetName == null ? source : new RepositoryName(targetName);
            Tag tag = new Tag(ManagementJson.text(body, "targetTag", true));
            requireRepository(ex, source, Scope.PULL);
            requireRepository(ex, target, Scope.PUSH);
            Digest digest = registry.promote(source, reference, target, tag, RegistryApi.actor(ex));
            ObjectNode node = JSON.createObjectNode();
            node.put("repository", target.value());
            node.put("tag", tag.value());
            node.put("digest", digest.toString());
            return Response.status(201).json(node.toString());
        });
    }

    Outcome deleteRepository(Exchange ex) {
        RepositoryName repository = new RepositoryName(ex.param("name"));
        requireRepository(ex, repository, Scope.DELETE);
        if (!registry.deleteRepository(repository)) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository name not known to registry");
        }
        return Response.status(202);
    }

    // ---- immutable rules, quotas

    Outcome immutableRules(Exchange ex) {
        ArrayNode list = JSON.createArrayNode();
        store.immutableRules(ex.param("namespace")).forEach(list::add);
        return ok(list);
    }

    Outcome addImmutableRule(Exchange ex) {
        String namespace = ex.param("namespace");
        requireManager(ex, namespace);
        return withJson(body -> {
            store.addImmutableRule(namespace, ManagementJson.text(body, "pattern", true), RegistryApi.actor(ex));
            return Response.status(204);
        });
    }

    Outcome removeImmutableRule(Exchange ex) {
        String namespace = ex.param("namespace");
        requireAdmin(ex);
        String pattern = ex.query("pattern");
        if (pattern == null || !store.removeImmutableRule(namespace, pattern)) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "no such rule; give ?pattern=");
        }
        return Response.status(204);
    }

    Outcome usage(Exchange ex) {
        String namespace = ex.param("namespace");
        ObjectNode node = JSON.createObjectNode();
        node.put("namespace", namespace);
        node.put("usedBytes", store.usage(namespace));
        store.quota(namespace).ifPresentOrElse(q -> node.put("quotaBytes", q), () -> node.putNull("quotaBytes"));
        return ok(node);
    }

    Outcome setQuota(Exchange ex) {
        String namespace = ex.param("namespace");
        requireAdmin(ex);
        return withJson(body -> {
            JsonNode limit = body.get("quotaBytes");
            if (limit != null && !limit.isNull() && !limit.canConvertToLong()) {
                throw invalid("quotaBytes must be a number or null");
            }
            store.setQuota(namespace, limit == null || limit.isNull() ? null : limit.longValue());
            return Response.status(204);
        });
    }

    // ---- retention

    Outcome retentionRules(Exchange ex) {
        ArrayNode list = JSON.createArrayNode();
        for (RetentionRule r : store.retentionRules(ex.param("namespace"))) {
            ObjectNode node = list.addObject();
            node.put("id", r.id());
            node.put("pattern", r.pattern());
            node.put("keepLast", r.keepLast());
            node.put("maxAgeDays", r.maxAgeDays());
            r.keepPatterns().forEach(node.putArray("keep")::add);
        }
        return ok(list);
    }

    Outcome addRetentionRule(Exchange ex) {
        String namespace = ex.param("namespace");
        requireManager(ex, namespace);
        return withJson(body -> {
            Integer keepLast = body.hasNonNull("keepLast") ? body.get("keepLast").asInt() : null;
            Integer maxAgeDays = body.hasNonNull("maxAgeDays") ? body.get("maxAgeDays").asInt() : null;
            if (keepLast == null && maxAgeDays == null) {
                throw invalid("give keepLast and/or maxAgeDays");
            }
            List<String> keep = new ArrayList<>();
            body.path("keep").forEach(k -> keep.add(k.asText()));
            String pattern = ManagementJson.text(body, "pattern", false);
            String id = Passwords.randomId();
            store.addRetentionRule(new RetentionRule(id, namespace, pattern == null ? "*" : pattern, keepLast, maxAgeDays,
                    keep, RegistryApi.actor(ex), Instant.now()));
            ObjectNode node = JSON.createObjectNode();
            node.put("id", id);
            return Response.status(201).json(node.toString());
        });
    }

    Outcome removeRetentionRule(Exchange ex) {
        requireManager(ex, ex.param("namespace"));
        if (!store.removeRetentionRule(ex.param("id"))) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "no such retention rule");
        }
        return Response.status(204);
    }

    Outcome runRetention(Exchange ex) {
        String namespace = ex.param("namespace");
        requireManager(ex, namespace);
        boolean dryRun = "true".equals(ex.query("dryRun"));
        ArrayNode list = JSON.createArrayNode();
        for (Retention.Removal r : retention.run(namespace, dryRun, RegistryApi.actor(ex))) {
            ObjectNode node = list.addObject();
            node.put("repository", r.repository());
            node.put("tag", r.tag());
            node.put("digest", r.digest());
            node.put("reason", r.reason());
        }
        return ok(list);
    }

    // ---- garbage collection

    Outcome collect(Exchange ex) {
        requireAdmin(ex);
        boolean dryRun = "true".equals(ex.query("dryRun"));
        GarbageCollector.Report report = gc.run(gcSettings, dryRun);
        ObjectNode node = JSON.createObjectNode();
        node.put("ran", report.ran());
        node.put("dryRun", report.dryRun());
        node.put("candidates", report.candidates());
        node.put("manifestsDeleted", report.manifestsDeleted());
        node.put("linksRemoved", report.linksRemoved());
        node.put("blobsDeleted", report.blobsDeleted());
        node.put("bytesFreed", report.bytesFreed());
        node.put("millis", report.took().toMillis());
        report.items().forEach(node.putArray("items")::add);
        return ok(node);
    }

}
