package io.berth.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.Permissions;
import io.berth.auth.Principal;
import io.berth.auth.Scope;
import io.berth.model.Listings.ManifestDetails;
import io.berth.model.Listings.NamespaceUsage;
import io.berth.model.Listings.Platform;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Listings.TagSummary;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.oci.Descriptor;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.Listing;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The read side of the management API: repositories (only those the caller may pull), a repository's tags, one
 * manifest in detail, usage per namespace. Pages are keyset pages: {@code n} entries (default 100, at most
 * {@link Listing#MAX_PAGE}) after {@code last}; the answer's {@code next} is the {@code last} of the following page,
 * null at the end.
 */
public final class ListingApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int DEFAULT_PAGE = 100;

    private final Listing listing;
    private final Permissions permissions;

    public ListingApi(Listing listing, Permissions permissions) {
        this.listing = listing;
        this.permissions = permissions;
    }

    // ---- GET /api/v1/repositories?namespace=&n=&last=

    Outcome repositories(Exchange ex) {
        String namespace = ex.query("namespace");
        if (namespace != null && !LifecycleApi.NAMESPACE.matcher(namespace).matches()) {
            throw invalid("namespace", "is not a namespace's name");
        }
        int n = pageSize(ex);
        String last = queryValue(ex, "last", "repository name", value -> new RepositoryName(value).value());
        Page<RepositorySummary> page = listing.repositories(namespace, last, n, canPull(ex.principal()));
        ObjectNode node = JSON.createObjectNode();
        ArrayNode list = node.putArray("repositories");
        for (RepositorySummary r : page.items()) {
            ObjectNode entry = list.addObject();
            entry.put("name", r.name());
            entry.put("tagCount", r.tagCount());
            entry.put("manifestCount", r.manifestCount());
            entry.put("sizeBytes", r.sizeBytes());
            time(entry, "lastPushAt", r.lastPushAt());
        }
        next(node, page, RepositorySummary::name);
        return ok(node);
    }

    /**
     * Whether the caller may pull a repository. A user's or an anonymous caller's rights depend only on the
     * namespace, so they are asked once per namespace; a robot token's patterns name repositories.
     */
    private Predicate<RepositoryName> canPull(Principal caller) {
        if (caller != null && caller.kind() == Principal.Kind.ROBOT) {
            return repository -> permissions.may(caller, repository, Scope.PULL);
        }
        Map<String, Boolean> byNamespace = new HashMap<>();
        return repository -> byNamespace.computeIfAbsent(repository.namespace(),
                namespace -> permissions.may(caller, repository, Scope.PULL));
    }

    // ---- GET /api/v1/repositories/<name>/tags?n=&last=

    Outcome tags(Exchange ex) {
        RepositoryName repository = pullable(ex);
        int n = pageSize(ex);
        String last = queryValue(ex, "last", "tag", value -> new Tag(value).value());
        Page<TagSummary> page = listing.tags(repository, last, n);
        ObjectNode node = JSON.createObjectNode();
        node.put("name", repository.value());
        ArrayNode list = node.putArray("tags");
        for (TagSummary t : page.items()) {
            ObjectNode entry = list.addObject();
            entry.put("tag", t.tag());
            entry.put("digest", t.digest().toString());
            entry.put("mediaType", t.mediaType());
            entry.put("sizeBytes", t.sizeBytes());
            time(entry, "pushedAt", t.pushedAt());
            entry.put("immutable", t.immutable());
        }
        next(node, page, TagSummary::tag);
        return ok(node);
    }

    // ---- GET /api/v1/repositories/<name>/manifests/<tag or digest>

    Outcome manifest(Exchange ex) {
        RepositoryName repository = pullable(ex);
        String raw = ex.param("reference");
        Reference reference;
        try {
            reference = Reference.parse(raw);
        } catch (RegistryException | IllegalArgumentException e) {
            // As on /v2: a reference that is neither a tag nor a digest names no manifest.
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest unknown", Map.of("reference", raw));
        }
        ManifestDetails m = listing.manifest(repository, reference);
        ObjectNode node = JSON.createObjectNode();
        node.put("repository", m.repository().value());
        node.put("digest", m.digest().toString());
        node.put("mediaType", m.mediaType());
        node.put("artifactType", m.artifactType());
        node.put("sizeBytes", m.sizeBytes());
        m.tags().forEach(node.putArray("tags")::add);
        if (m.config() == null) {
            node.putNull("config");
        } else {
            descriptor(node.putObject("config"), m.config());
        }
        ArrayNode layers = node.putArray("layers");
        m.layers().forEach(layer -> descriptor(layers.addObject(), layer));
        ArrayNode platforms = node.putArray("platforms");
        for (Platform p : m.platforms()) {
            ObjectNode entry = platforms.addObject();
            entry.put("os", p.os());
            entry.put("architecture", p.architecture());
            entry.put("variant", p.variant());
            entry.put("digest", p.digest().toString());
            entry.put("sizeBytes", p.sizeBytes());
        }
        ArrayNode referrers = node.putArray("referrers");
        for (ManifestRecord r : m.referrers()) {
            ObjectNode entry = referrers.addObject();
            entry.put("digest", r.digest().toString());
            entry.put("artifactType", r.artifactType());
            entry.put("mediaType", r.mediaType());
        }
        ObjectNode annotations = node.putObject("annotations");
        m.annotations().forEach(annotations::put);
        return ok(node);
    }

    private static void descriptor(ObjectNode node, Descriptor d) {
        node.put("digest", d.digest().toString());
        node.put("mediaType", d.mediaType());
        node.put("sizeBytes", d.size());
    }

    // ---- GET /api/v1/usage

    Outcome usage(Exchange ex) {
        Principal caller = ex.principal();
        ObjectNode node = JSON.createObjectNode();
        ArrayNode list = node.putArray("namespaces");
        for (NamespaceUsage u : listing.usage(namespace -> permissions.isMember(caller, namespace))) {
            ObjectNode entry = list.addObject();
            entry.put("namespace", u.namespace());
            entry.put("usedBytes", u.usedBytes());
            if (u.quotaBytes() == null) {
                entry.putNull("quotaBytes");
            } else {
                entry.put("quotaBytes", u.quotaBytes());
            }
            entry.put("repositoryCount", u.repositoryCount());
        }
        return ok(node);
    }

    // ---- shared

    /** The repository of the path, which the caller must be allowed to pull (checked before it is looked up). */
    private RepositoryName pullable(Exchange ex) {
        RepositoryName repository = new RepositoryName(ex.param("name"));
        if (!permissions.may(ex.principal(), repository, Scope.PULL)) {
            throw new RegistryException(ErrorCode.DENIED, "pull on " + repository + " needed");
        }
        return repository;
    }

    /** n: absent is the default page, 1 or more, more than the largest page is the largest page. */
    private static int pageSize(Exchange ex) {
        String n = ex.query("n");
        if (n == null || n.isEmpty()) {
            return DEFAULT_PAGE;
        }
        try {
            long value = Long.parseLong(n);
            if (value >= 1) {
                return (int) Math.min(value, Listing.MAX_PAGE);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw invalid("n", "must be a whole number from 1 (at most " + Listing.MAX_PAGE + " are listed)");
    }

    /** A query value checked by parser (null when absent), or 400 naming the field. */
    private static String queryValue(Exchange ex, String field, String what, Function<String, String> parser) {
        String value = ex.query(field);
        if (value == null) {
            return null;
        }
        try {
            return parser.apply(value);
        } catch (RegistryException | IllegalArgumentException e) {
            throw invalid(field, "is not a valid " + what);
        }
    }

    private static RegistryException invalid(String field, String problem) {
        return new RegistryException(ErrorCode.INVALID_REQUEST, "query parameter '" + field + "' " + problem,
                Map.of("field", field));
    }

    private static <T> void next(ObjectNode node, Page<T> page, Function<T, String> key) {
        if (page.more() && !page.items().isEmpty()) {
            node.put("next", key.apply(page.items().get(page.items().size() - 1)));
        } else {
            node.putNull("next");
        }
    }

    private static void time(ObjectNode node, String field, Instant at) {
        if (at == null) {
            node.putNull(field);
        } else {
            node.put(field, at.toString());
        }
    }

    private static Response ok(ObjectNode node) {
        return Response.status(200).json(node.toString());
    }
}
