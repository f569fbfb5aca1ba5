package io.berth.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.Permissions;
import io.berth.auth.Principal;
import io.berth.auth.Scope;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Page;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.Listing;
import io.berth.registry.ListingJson;
import java.util.HashMap;
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
        return ok(ListingJson.repositories(page));
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
        return ok(ListingJson.tags(repository, listing.tags(repository, last, n)));
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
        return ok(ListingJson.manifest(listing.manifest(repository, reference)));
    }

    // ---- GET /api/v1/usage

    Outcome usage(Exchange ex) {
        Principal caller = ex.principal();
        return ok(ListingJson.usage(listing.usage(namespace -> permissions.isMember(caller, namespace))));
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

    private static Response ok(ObjectNode node) {
        return Response.status(200).json(node.toString());
    }
}
