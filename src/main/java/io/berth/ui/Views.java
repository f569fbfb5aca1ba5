package io.berth.ui;

import io.berth.model.Listings.IndexChild;
import io.berth.model.Listings.TagSummary;
import io.berth.model.ManifestRecord;
import io.berth.oci.Descriptor;
import java.util.List;
import java.util.Map;

/** What the repository and artifact pages hand their templates (public: the compiled templates live in io.berth.ui.jte). */
public final class Views {
    private Views() {}

    /** A node of the referrers tree: a referrer and its own referrers grouped by artifact type. */
    public record Referrer(ManifestRecord record, Map<String, List<Referrer>> children) {}

    /** An image's config as the page shows it. */
    public record Config(String platform, String created, List<String> env, List<String> entrypoint, List<String> cmd,
                         String workingDir, String user, Map<String, String> labels, List<Step> steps) {}

    /** A layer with the history step that made it, or a step that made no layer (layer null). */
    public record Step(Descriptor layer, int number, String createdBy, String created) {}

    /** An annotation; href is a link for its value (only http and https), or null. */
    public record Annotation(String key, String value, String href) {}

    /** A pull command: how (docker by tag...) and the line to copy. */
    public record Pull(String how, String command) {}

    /**
     * A tag as the page shows it: its summary; for an index its platforms and how many entries are attached to them
     * (attestations, artifacts); for an image the platform its config declares (null: none).
     */
    public record TagRow(TagSummary tag, List<IndexChild> platforms, int attached, String imagePlatform) {}

    /** A cosign tag (sha256-<hex>.sig/.att/.sbom): what it is and the digest it is for. */
    public record CosignRow(TagSummary tag, String kind, String subject) {}
}
