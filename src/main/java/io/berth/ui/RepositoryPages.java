package io.berth.ui;

import io.berth.auth.Permissions;
import io.berth.auth.Scope;
import io.berth.http.Exchange;
import io.berth.http.Response;
import io.berth.model.Listings.IndexChild;
import io.berth.ui.Views.CosignRow;
import io.berth.ui.Views.TagRow;
import io.berth.model.Listings.TagSummary;
import io.berth.model.Listings.UntaggedManifest;
import io.berth.model.Page;
import io.berth.oci.Digest;
import io.berth.oci.MediaTypes;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.Listing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A repository's page: its tags newest first (within a keyset page by name), each with its short digest, its
 * platforms and their sizes (an index's entries; attestations and other attachments counted apart, never shown as
 * platforms), its total size, push time and immutability; cosign's signature and attestation tags apart from the
 * images; on request (?untagged=1, a plain link) its untagged manifests, each with what keeps it (an index, a
 * subject) or that nothing does.
 */
final class RepositoryPages {
    /** Tags read for one repository page. */
    static final int TAG_PAGE = 100;
    /** Untagged manifests on one page. */
    static final int UNTAGGED_PAGE = 100;

    private final WebUi ui;
    private final Listing listing;
    private final Permissions permissions;
    private final Pages pages;

    RepositoryPages(WebUi ui, Listing listing, Permissions permissions, Pages pages) {
        this.ui = ui;
        this.listing = listing;
        this.permissions = permissions;
        this.pages = pages;
    }

    // ---- GET /r/<name>?last=&untagged=1&after=

    Response repository(Exchange ex, WebUi.Visitor visitor, RepositoryName repository) {
        String last = WebUi.validOrNull(ex.query("last"), value -> new Tag(value).value());
        Page<TagSummary> page;
        try {
            page = listing.tags(repository, last, TAG_PAGE);
        } catch (RegistryException e) {
            return ui.notFound(visitor, "There is no repository " + repository + ".");
        }
        List<TagSummary> tags = new ArrayList<>(page.items());
        String path = Format.repositoryPath(repository.value());
        boolean showUntagged = "1".equals(ex.query("untagged"));
        String next = page.more() && !tags.isEmpty()
                ? path + "?last=" + WebUi.encode(tags.get(tags.size() - 1).tag()) + (showUntagged ? "&untagged=1" : "")
                : null;
        // Newest first within the page (pages follow tag names, so a page of a huge repository stays one query).
        tags.sort(Comparator.comparing(TagSummary::pushedAt, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(TagSummary::tag));
        List<Digest> indexes = tags.stream().filter(t -> isIndex(t.mediaType())).map(TagSummary::digest).toList();
        Map<Digest, List<IndexChild>> children = listing.indexChildren(repository, indexes);
        Map<Digest, String> imagePlatforms = listing.imagePlatforms(repository,
                tags.stream().filter(t -> !isIndex(t.mediaType())).map(TagSummary::digest).toList());
        List<TagRow> rows = new ArrayList<>();
        List<CosignRow> cosign = new ArrayList<>();
        for (TagSummary tag : tags) {
            String subject = Format.cosignSubject(tag.tag());
            if (subject != null) {
                cosign.add(new CosignRow(tag, Format.cosignKind(tag.tag()), subject));
                continue;
            }
            List<IndexChild> entries = children.getOrDefault(tag.digest(), List.of());
            List<IndexChild> platforms = entries.stream().filter(c -> c.kind().equals("platform")).toList();
            rows.add(new TagRow(tag, platforms, entries.size() - platforms.size(), imagePlatforms.get(tag.digest())));
        }
        Page<UntaggedManifest> untagged = null;
        String untaggedNext = null;
        if (showUntagged) {
            Digest after = WebUi.validOrNull(ex.query("after"), Digest::parse);
            untagged = listing.untagged(repository, after, UNTAGGED_PAGE);
            if (untagged.more() && !untagged.items().isEmpty()) {
                untaggedNext = path + "?untagged=1&after="
                        + untagged.items().get(untagged.items().size() - 1).digest();
            }
        }
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", ui.chrome(visitor, repository.value()));
        params.put("repository", repository.value());
        params.put("tags", rows);
        params.put("cosign", cosign);
        params.put("next", next);
        params.put("untagged", untagged == null ? null : untagged.items());
        params.put("untaggedNext", untaggedNext);
        params.put("mayDelete", permissions.may(visitor.principal(), repository, Scope.DELETE));
        return pages.render(200, "repository.jte", params);
    }

    static boolean isIndex(String mediaType) {
        return MediaTypes.OCI_INDEX.equals(mediaType) || MediaTypes.DOCKER_MANIFEST_LIST.equals(mediaType);
    }
}
