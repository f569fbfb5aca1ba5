package io.berth.http;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.AccessAdmin;
import io.berth.auth.Passwords;
import io.berth.auth.Permissions;
import io.berth.auth.Scope;
import io.berth.model.RetentionRule;
import io.berth.model.TagMove;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.GarbageCollector;
import io.berth.registry.Lifecycle;
import io.berth.registry.Policies;
import io.berth.registry.Registry;
import io.berth.registry.Retention;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Lifecycle operations in the management API: tag history, rollback, promotion, repository delete, immutable tag
 * rules, quotas and usage, retention rules, garbage collection. Each one checks the caller's rights (repository
 * actions, namespace ownership, admin) with the {@link Permissions} serve installed: the access policy, or open
 * while access control is off.
 */
public final class LifecycleApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A namespace's name: the first component of a repository name. */
    static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
    /** 1 EiB: far beyond any store, far below overflow when usage is added to it. */
    static final long MAX_QUOTA = 1L << 60;

    private final Registry registry;
    private final Lifecycle lifecycle;
    private final Permissions permissions;
    private final AccessAdmin audit;

    /** audit records forced repository deletes. */
    public LifecycleApi(Registry registry, Lifecycle lifecycle, Permissions permissions, AccessAdmin audit) {
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.permissions = permissions;
        this.audit = audit;
    }

    // ---- permission checks

    private void requireRepository(Exchange ex, RepositoryName repository, String action) {
        if (!permissions.may(ex.principal(), repository, action)) {
            throw denied(action + " on " + repository + " needed");
        }
    }

    private void requireManager(Exchange ex, String namespace) {
        if (!permissions.canManage(ex.principal(), namespace)) {
            throw denied("only an admin or an owner of " + namespace + " may do this");
        }
    }

    /**
     * Reading a namespace's settings needs a role in it unless it is public; anyone else learns nothing, not even
     * whether it exists.
     */
    private void requireReader(Exchange ex, String namespace) {
        if (!permissions.canRead(ex.principal(), namespace)) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "namespace " + namespace + " not found");
        }
    }

    private void requireAdmin(Exchange ex) {
        if (!permissions.isAdmin(ex.principal())) {
            throw denied("only an admin may do this");
        }
    }

    private static RegistryException denied(String message) {
        return new RegistryException(ErrorCode.DENIED, message);
    }

    /** The namespace of the path, which must be a namespace's name (the first component of a repository name). */
    private static String namespace(Exchange ex) {
        String namespace = ex.param("namespace");
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, "invalid namespace name: " + namespace,
                    Map.of("field", "namespace"));
        }
        return namespace;
    }

    /** value parsed, or a refusal naming the field. */
    private static <T> T parsed(String value, String field, String what, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (RegistryException | IllegalArgumentException e) {
            throw ManagementJson.field(field, "is not a valid " + what);
        }
    }

    private static String checkedPattern(String pattern, String field) {
        String problem = Policies.patternProblem(pattern);
        if (problem != null) {
            throw ManagementJson.field(field, problem);
        }
        return pattern;
    }

    // ---- request bodies: each field typed and checked (ManagementJson binds them strictly)

    record RollbackRequest(Digest to, Integer steps) {
        @JsonCreator
        static RollbackRequest of(@JsonProperty("to") String to, @JsonProperty("steps") Integer steps) {
            if (to != null && steps != null) {
                throw ManagementJson.field("steps", "cannot be given with 'to'");
            }
            ManagementJson.range(steps, "steps", 1, 1000);
            return new RollbackRequest(to == null ? null : parsed(to, "to", "digest", Digest::parse),
                    steps == null ? 1 : steps);
        }
    }

    record PromoteRequest(RepositoryName repository, Reference reference, RepositoryName targetRepository, Tag targetTag) {
        @JsonCreator
        static PromoteRequest of(@JsonProperty("repository") String repository,
                                 @JsonProperty("reference") String reference,
                                 @JsonProperty("targetRepository") String targetRepository,
                                 @JsonProperty("targetTag") String targetTag) {
            RepositoryName source = parsed(ManagementJson.required(repository, "repository"), "repository",
                    "repository name", RepositoryName::new);
            return new PromoteRequest(source,
                    parsed(ManagementJson.required(reference, "reference"), "reference", "tag or digest", Reference::parse),
                    targetRepository == null ? source
                            : parsed(targetRepository, "targetRepository", "repository name", RepositoryName::new),
                    parsed(ManagementJson.required(targetTag, "targetTag"), "targetTag", "tag", Tag::new));
        }
    }

    record ImmutableRuleRequest(String pattern) {
        ImmutableRuleRequest {
            checkedPattern(ManagementJson.required(pattern, "pattern"), "pattern");
        }
    }

    /** quotaBytes must be given: a number sets the quota, null removes it. */
    record QuotaRequest(@JsonProperty(required = true) Long quotaBytes) {
        QuotaRequest {
            ManagementJson.range(quotaBytes, "quotaBytes", 1, MAX_QUOTA);
        }
    }

    record RetentionRuleRequest(String pattern, Integer keepLast, Integer maxAgeDays, List<String> keep) {
        RetentionRuleRequest {
            pattern = pattern == null ? "*" : checkedPattern(pattern, "pattern");
            ManagementJson.range(keepLast, "keepLast", 1, 100_000);
            ManagementJson.range(maxAgeDays, "maxAgeDays", 1, 36_500);
            if (keepLast == null && maxAgeDays == null) {
                throw ManagementJson.field("keepLast", "or 'maxAgeDays' is required");
            }
            keep = keep == null ? List.of() : ManagementJson.strings(keep, "keep", 50, 128);
            for (int i = 0; i < keep.size(); i++) {
                checkedPattern(keep.get(i), "keep[" + i + "]");
            }
        }
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
        return ManagementJson.body(RollbackRequest.class, body -> {
            Digest now = registry.rollback(repository, tag, body.to(), body.steps(), RegistryApi.actor(ex));
            ObjectNode node = JSON.createObjectNode();
            node.put("digest", now.toString());
            return ok(node);
        });
    }

    Outcome promote(Exchange ex) {
        return ManagementJson.body(PromoteRequest.class, body -> {
            RepositoryName source = body.repository();
            RepositoryName target = body.targetRepository();
            Tag tag = body.targetTag();
            requireRepository(ex, source, Scope.PULL);
            requireRepository(ex, target, Scope.PUSH);
            Digest digest = registry.promote(source, body.reference(), target, tag, RegistryApi.actor(ex));
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
        boolean force = ManagementJson.flag(ex, "force");
        if (force) {
            requireAdmin(ex);
        }
        String actor = RegistryApi.actor(ex);
        List<String> overridden = force ? registry.immutableTags(repository) : List.of();
        if (!registry.deleteRepository(repository, actor, force)) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository name not known to registry");
        }
        if (force) {
            audit.audit(actor, "repository.delete.force", repository.value(), ex.source(),
                    overridden.isEmpty() ? "no immutable tags" : "immutable tags: " + String.join(", ", overridden));
        }
        return Response.status(202);
    }

    // ---- immutable rules, quotas

    Outcome immutableRules(Exchange ex) {
        String namespace = namespace(ex);
        requireReader(ex, namespace);
        ArrayNode list = JSON.createArrayNode();
        lifecycle.immutableRules(namespace).forEach(list::add);
        return ok(list);
    }

    Outcome addImmutableRule(Exchange ex) {
        String namespace = namespace(ex);
        requireManager(ex, namespace);
        return ManagementJson.body(ImmutableRuleRequest.class, body -> {
            lifecycle.addImmutableRule(namespace, body.pattern(), RegistryApi.actor(ex));
            return Response.status(204);
        });
    }

    Outcome removeImmutableRule(Exchange ex) {
        String namespace = namespace(ex);
        requireAdmin(ex);
        String pattern = ex.query("pattern");
        if (pattern == null || !lifecycle.removeImmutableRule(namespace, pattern)) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "no such rule; give ?pattern=");
        }
        return Response.status(204);
    }

    Outcome usage(Exchange ex) {
        String namespace = namespace(ex);
        requireReader(ex, namespace);
        ObjectNode node = JSON.createObjectNode();
        node.put("namespace", namespace);
        node.put("usedBytes", lifecycle.usage(namespace));
        lifecycle.quota(namespace).ifPresentOrElse(q -> node.put("quotaBytes", q), () -> node.putNull("quotaBytes"));
        return ok(node);
    }

    Outcome setQuota(Exchange ex) {
        String namespace = namespace(ex);
        requireAdmin(ex);
        return ManagementJson.body(QuotaRequest.class, body -> {
            lifecycle.setQuota(namespace, body.quotaBytes());
            return Response.status(204);
        });
    }

    // ---- retention

    Outcome retentionRules(Exchange ex) {
        String namespace = namespace(ex);
        requireReader(ex, namespace);
        ArrayNode list = JSON.createArrayNode();
        for (RetentionRule r : lifecycle.retentionRules(namespace)) {
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
        String namespace = namespace(ex);
        requireManager(ex, namespace);
        return ManagementJson.body(RetentionRuleRequest.class, body -> {
            String id = Passwords.randomId();
            lifecycle.addRetentionRule(new RetentionRule(id, namespace, body.pattern(), body.keepLast(), body.maxAgeDays(),
                    body.keep(), RegistryApi.actor(ex), Instant.now()));
            ObjectNode node = JSON.createObjectNode();
            node.put("id", id);
            return Response.status(201).json(node.toString());
        });
    }

    Outcome removeRetentionRule(Exchange ex) {
        String namespace = namespace(ex);
        requireManager(ex, namespace);
        // Scoped to the path's namespace: an owner of one namespace must not reach another's rule by its id.
        if (!lifecycle.removeRetentionRule(namespace, ex.param("id"))) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "no retention rule " + ex.param("id") + " in " + namespace);
        }
        return Response.status(204);
    }

    Outcome runRetention(Exchange ex) {
        String namespace = namespace(ex);
        requireManager(ex, namespace);
        boolean dryRun = ManagementJson.flag(ex, "dryRun");
        ArrayNode list = JSON.createArrayNode();
        for (Retention.Removal r : lifecycle.runRetention(namespace, dryRun, RegistryApi.actor(ex))) {
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
        boolean dryRun = ManagementJson.flag(ex, "dryRun");
        GarbageCollector.Report report = lifecycle.collect(dryRun);
        ObjectNode node = JSON.createObjectNode();
        node.put("ran", report.ran());
        node.put("dryRun", report.dryRun());
        node.put("candidates", report.candidates());
        node.put("manifestsDeleted", report.manifestsDeleted());
        node.put("linksRemoved", report.linksRemoved());
        node.put("blobsDeleted", report.blobsDeleted());
        node.put("bytesFreed", report.bytesFreed());
        node.put("millis", report.took().toMillis());
        // The run stopped early because this node lost the collection lease; the next run finishes the work.
        node.put("leaseLost", report.leaseLost());
        report.items().forEach(node.putArray("items")::add);
        return ok(node);
    }

}
