package io.berth.ui;

import io.berth.auth.Scope;
import io.berth.http.Exchange;
import io.berth.http.Response;
import io.berth.model.Listings.ManifestDetails;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Page;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.Listing;
import io.berth.registry.Registry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deleting a manifest (with every tag on it) or a whole repository from the UI: a confirmation page says what else
 * goes (the tags on the digest, the referrers left without their subject, the indexes that keep the manifest and so
 * refuse the delete, the immutable tags that refuse it), then the POST does what the API's DELETE does, through the
 * same registry calls (immutable rules and the index check are the registry's), with the API's right (delete on the
 * repository) and its audit entry. A repository is deleted only when its name is typed again.
 */
final class DeletePages {
    private final WebUi ui;
    private final Listing listing;
    private final Registry registry;
    private final Pages pages;
    private final WebUi.Audit audit;

    DeletePages(WebUi ui, Listing listing, Registry registry, Pages pages, WebUi.Audit audit) {
        this.ui = ui;
        this.listing = listing;
        this.registry = registry;
        this.pages = pages;
        this.audit = audit;
    }

    // ---- GET /r/<name>/-/<digest>/delete: the confirmation

    Response confirmManifest(Exchange ex, WebUi.Visitor visitor, RepositoryName repository) {
        ManifestDetails details;
        try {
            details = listing.manifest(repository, new Reference(null, digest(ex.param("digest"))));
        } catch (RegistryException e) {
            return ui.notFound(visitor, "There is no manifest " + ex.param("digest") + " in " + repository + ".");
        }
        Page<Digest> parents = listing.indexesOf(repository, details.digest());
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", ui.chrome(visitor, "Delete " + repository + "@" + Format.shortDigest(details.digest())));
        params.put("repository", repository.value());
        params.put("digest", details.digest());
        params.put("tags", details.tags());
        params.put("immutable", immutableAmong(repository, details.tags()));
        params.put("referrers", details.referrers());
        params.put("parents", parents.items());
        params.put("summary", null);
        return pages.render(200, "delete.jte", params);
    }

    // ---- GET /r/<name>/-/delete: the confirmation

    Response confirmRepository(Exchange ex, WebUi.Visitor visitor, RepositoryName repository) {
        RepositorySummary summary = listing.summary(repository);
        if (summary == null) {
            return ui.notFound(visitor, "There is no repository " + repository + ".");
        }
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", ui.chrome(visitor, "Delete " + repository));
        params.put("repository", repository.value());
        params.put("digest", null);
        params.put("tags", List.of());
        params.put("immutable", registry.immutableTags(repository));
        params.put("referrers", List.of());
        params.put("parents", List.of());
        params.put("summary", summary);
        return pages.render(200, "delete.jte", params);
    }

    // ---- POST /r/<name>/-/<digest>/delete (csrf)

    Response deleteManifest(Exchange ex, Map<String, String> form) {
        return change(ex, form, (visitor, repository) -> {
            Digest digest = digest(ex.param("digest"));
            List<String> tags = listing.manifest(repository, new Reference(null, digest)).tags();
            registry.deleteManifest(repository, new Reference(null, digest), visitor.principal().name());
            audit.audit(visitor.principal().name(), "manifest.delete", repository + "@" + digest, ex.source(),
                    (tags.isEmpty() ? "untagged" : "tags: " + String.join(", ", tags)));
            return Pages.redirect(Format.repositoryPath(repository.value()));
        });
    }

    // ---- POST /r/<name>/-/delete (csrf, name: the repository's name typed again)

    Response deleteRepository(Exchange ex, Map<String, String> form) {
        return change(ex, form, (visitor, repository) -> {
            if (!repository.value().equals(form.get("name"))) {
                return ui.message(visitor, 400, "Not deleted", "The name typed was not " + repository
                        + "; nothing was deleted.");
            }
            if (!registry.deleteRepository(repository, visitor.principal().name(), false)) {
                return ui.notFound(visitor, "There is no repository " + repository + ".");
            }
            audit.audit(visitor.principal().name(), "repository.delete", repository.value(), ex.source(), null);
            return Pages.redirect("/");
        });
    }

    @FunctionalInterface
    private interface Deletion {
        Response apply(WebUi.Visitor visitor, RepositoryName repository);
    }

    /** A delete posted with the session's CSRF token by a visitor with delete on the repository; refusals as pages. */
    private Response change(Exchange ex, Map<String, String> form, Deletion deletion) {
        ui.checkForm(ex, ui.visitor(ex), form);
        return ui.onRepository(ex, Scope.DELETE, (exchange, visitor, repository) -> {
            try {
                return deletion.apply(visitor, repository);
            } catch (RegistryException e) {
                if (e.code() == ErrorCode.MANIFEST_UNKNOWN || e.code() == ErrorCode.NAME_UNKNOWN) {
                    return ui.notFound(visitor, "Already gone: " + e.getMessage() + "; nothing was deleted.");
                }
                return ui.message(visitor, e.code().status(), "Not deleted", e.getMessage() + "; nothing was deleted.");
            }
        });
    }

    /** The repository's immutable tags among tags, each with its rule. */
    private List<String> immutableAmong(RepositoryName repository, List<String> tags) {
        if (tags.isEmpty()) {
            return List.of();
        }
        return registry.immutableTags(repository).stream()
                .filter(entry -> tags.contains(entry.substring(0, entry.indexOf(" (rule")))).toList();
    }

    private static Digest digest(String text) {
        try {
            return Digest.parse(text);
        } catch (RuntimeException e) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest unknown");
        }
    }
}
