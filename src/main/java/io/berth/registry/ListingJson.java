package io.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.Listings.ManifestDetails;
import io.berth.model.Listings.NamespaceUsage;
import io.berth.model.Listings.Platform;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Listings.TagSummary;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.oci.Descriptor;
import io.berth.oci.RepositoryName;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The JSON of the listings, made in one place: the management API's answers ({@code /api/v1/repositories},
 * {@code .../tags}, {@code .../manifests/REF}, {@code /api/v1/usage}) and the CLI's {@code --json} output when it
 * reads the stores itself are these same objects.
 */
public final class ListingJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ListingJson() {}

    /** {"repositories": [{name, tagCount, manifestCount, sizeBytes, lastPushAt}], "next": name or null}. */
    public static ObjectNode repositories(Page<RepositorySummary> page) {
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
        return node;
    }

    /** {"name": repository, "tags": [{tag, digest, mediaType, sizeBytes, pushedAt, immutable}], "next": tag or null}. */
    public static ObjectNode tags(RepositoryName repository, Page<TagSummary> page) {
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
        return node;
    }

    /** One manifest: repository, digest, media and artifact type, size, tags, config, layers, platforms, referrers. */
    public static ObjectNode manifest(ManifestDetails m) {
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
        return node;
    }

    /** {"namespaces": [{namespace, usedBytes, quotaBytes (null: none), repositoryCount}]}. */
    public static ObjectNode usage(List<NamespaceUsage> usage) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode list = node.putArray("namespaces");
        for (NamespaceUsage u : usage) {
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
        return node;
    }

    private static void descriptor(ObjectNode node, Descriptor d) {
        node.put("digest", d.digest().toString());
        node.put("mediaType", d.mediaType());
        node.put("sizeBytes", d.size());
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
}
