package io.berth.ui;

import io.berth.auth.Permissions;
import io.berth.auth.Scope;
import io.berth.http.Exchange;
import io.berth.http.Response;
import io.berth.model.TagMove;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.Listing;
import io.berth.registry.Registry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tag's history, its rollback (confirmed on a page showing from → to) and its deletion. The rights are the API's:
 * pull to see the history, delete to roll back (as {@code POST /api/v1/.../rollback}) and to delete a tag (as
 * {@code DELETE /v2/<name>/manifests/<tag>}); immutable-tag rules are applied by the registry, as for the API. Every
 * change is a POST carrying the page's CSRF token.
 */
final class TagPages {
    static final int HISTORY = 100;

    private final WebUi ui;
    private final Registry registry;
    private final Listing listing;
    private final Permissions permissions;
    private final Pages pages;
    private final WebUi.Audit audit;

    TagPages(WebUi ui, Registry registry, Listing listing, Permissions permissions, Pages pages, WebUi.Audit audit) {
        this.ui = ui;
        this.registry = registry;
        this.listing = listing;
        this.permissions = permissions;
        this.pages = pages;
        this.audit = audit;
    }

    /** The tag of the path. */
    private static Tag tag(Exchange ex) {
        try {
            return new Tag(ex.param("tag"));
        } catch (RuntimeException e) {
            throw new RegistryException(ErrorCode.TAG_INVALID, "invalid tag");
        }
    }

    static String tagPath(String repository, String tag) {
        return "/r/" + repository + "/-/tags/" + tag;
    }

    /** Where tag points now, or null when it points nowhere. */
    private Digest current(RepositoryName repository, Tag tag) {
        try {
            return registry.manifest(repository, Reference.parse(tag.value())).record().digest();
        } catch (RegistryException e) {
            if (e.code() == ErrorCode.MANIFEST_UNKNOWN || e.code() == ErrorCode.NAME_UNKNOWN) {
                return null;
            }
            throw e;
        }
    }

    // ---- GET /r/<name>/-/tags/<tag>

    Response history(Exchange ex, WebUi.Visitor visitor, RepositoryName repository) {
        Tag tag = tag(ex);
        List<TagMove> moves = registry.tagHistory(repository, tag, HISTORY);
        Digest now = current(repository, tag);
        if (moves.isEmpty() && now == null) {
            return ui.notFound(visitor, "There is no tag " + tag + " in " + repository + ".");
        }
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", ui.chrome(visitor, repository + ":" + tag));
        params.put("repository", repository.value());
        params.put("tag", tag.value());
        params.put("current", now);
        params.put("moves", moves);
        params.put("mayChange", permissions.may(visitor.principal(), repository, Scope.DELETE));
        params.put("immutable", immutable(repository, tag));
        return pages.render(200, "history.jte", params);
    }

    // ---- GET /r/<name>/-/tags/<tag>/rollback?to=<digest>: the confirmation

    Response confirmRollback(Exchange ex, WebUi.Visitor visitor, RepositoryName repository) {
        Tag tag = tag(ex);
        Digest to = digest(ex.query("to"));
        return confirmation(visitor, repository, tag, "rollback", current(repository, tag), to);
    }

    // ---- GET /r/<name>/-/tags/<tag>/delete: the confirmation

    Response confirmDelete(Exchange ex, WebUi.Visitor visitor, RepositoryName repository) {
        Tag tag = tag(ex);
        Digest now = current(repository, tag);
        if (now == null) {
            return ui.notFound(visitor, "There is no tag " + tag + " in " + repository + ".");
        }
        return confirmation(visitor, repository, tag, "delete", now, null);
    }

    private Response confirmation(WebUi.Visitor visitor, RepositoryName repository, Tag tag, String action,
                                  Digest from, Digest to) {
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", ui.chrome(visitor, (action.equals("delete") ? "Delete " : "Roll back ") + repository
                + ":" + tag));
        params.put("repository", repository.value());
        params.put("tag", tag.value());
        params.put("action", action);
        params.put("from", from);
        params.put("to", to);
        List<String> others = List.of();
        boolean inIndex = false;
        if (action.equals("delete")) {
            // What else the tag's manifest keeps: other tags, or an index; else it is left untagged.
            others = listing.manifest(repository, new Reference(null, from)).tags().stream()
                    .filter(other -> !other.equals(tag.value())).toList();
            inIndex = !listing.indexesOf(repository, from).items().isEmpty();
        }
        params.put("otherTags", others);
        params.put("inIndex", inIndex);
        params.put("immutable", immutable(repository, tag));
        return pages.render(200, "confirm.jte", params);
    }

    // ---- POST /r/<name>/-/tags/<tag>/rollback (csrf, from, to) and /delete (csrf, from)

    Response rollback(Exchange ex, Map<String, String> form) {
        return change(ex, form, "tag.rollback", (repository, tag, actor) ->
                "to " + registry.rollback(repository, tag, digest(form.get("to")), 0, actor));
    }

    Response delete(Exchange ex, Map<String, String> form) {
        return change(ex, form, "tag.delete", (repository, tag, actor) -> {
            registry.deleteManifest(repository, Reference.parse(tag.value()), actor);
            return "was " + form.get("from");
        });
    }

    @FunctionalInterface
    private interface TagChange {
        /** Applies the change; returns the audit entry's detail. */
        String apply(RepositoryName repository, Tag tag, String actor);
    }

    private Response change(Exchange ex, Map<String, String> form, String action, TagChange change) {
        ui.checkForm(ex, ui.visitor(ex), form);
        return ui.onRepository(ex, Scope.DELETE, (exchange, visitor, repository) ->
                apply(ex, form, action, change, visitor, repository));
    }

    private Response apply(Exchange ex, Map<String, String> form, String action, TagChange change,
                           WebUi.Visitor visitor, RepositoryName repository) {
        Tag tag = tag(ex);
        if (form.get("from") == null || form.get("from").isBlank()) {
            return ui.message(visitor, 400, "Not changed", "Missing field 'from' (the digest the confirmation showed); "
                    + "nothing was changed.");
        }
        // The confirmation showed where the tag pointed: if it moved since, nothing is done.
        Digest now = current(repository, tag);
        if (now == null || !now.toString().equals(form.get("from"))) {
            return ui.message(visitor, 409, "Tag moved", repository + ":" + tag + " no longer points at "
                    + form.get("from") + "; nothing was changed.");
        }
        String actor = visitor.principal().name();
        try {
            String detail = change.apply(repository, tag, actor);
            // As the API's audit filter records the same change (the web UI's routes are not audited by it).
            audit.audit(actor, action, repository + ":" + tag, ex.source(), detail);
        } catch (RegistryException e) {
            return ui.message(visitor, e.code().status(), "Not changed", e.getMessage());
        }
        return Pages.redirect(tagPath(repository.value(), tag.value()));
    }

    private static Digest digest(String text) {
        try {
            return Digest.parse(text);
        } catch (RuntimeException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "invalid digest");
        }
    }

    /** "tag (rule …)" when an immutable-tag rule protects the tag, else null. */
    private String immutable(RepositoryName repository, Tag tag) {
        return registry.immutableTags(repository).stream().filter(e -> e.startsWith(tag.value() + " (rule"))
                .findFirst().orElse(null);
    }
}
