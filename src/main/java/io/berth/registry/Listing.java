package io.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.metadata.LifecycleStore;
import io.berth.metadata.MetadataStore;
import io.berth.model.Listings.IndexChild;
import io.berth.model.Listings.ManifestDetails;
import io.berth.model.Listings.NamespaceUsage;
import io.berth.model.Listings.Platform;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Listings.SearchHit;
import io.berth.model.Listings.TagSummary;
import io.berth.model.Listings.UntaggedManifest;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.oci.Descriptor;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the registry holds, for people: repositories with counts and sizes, tags with sizes and their immutability,
 * one manifest in detail (config, layers, platforms, referrers), usage per namespace. Pages are keyset pages from
 * the metadata store; the caller says which repositories and namespaces the reader may see.
 */
public final class Listing {
    /** The largest page any listing hands out. */
    public static final int MAX_PAGE = 1000;
    /** Tags shown on one manifest at most. */
    static final int MAX_TAGS_OF_MANIFEST = 1000;
    /** Repository names read per metadata query while filtering or counting. */
    private static final int SCAN = 1000;
    /** A bound on any scan: ten million repositories. */
    private static final int MAX_SCANS = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Config media types of images, whose os, architecture and variant name a plain image's platform. */
    private static final Set<String> IMAGE_CONFIGS = Set.of("application/vnd.oci.image.config.v1+json",
            "application/vnd.docker.container.image.v1+json");

    private final MetadataStore metadata;
    private final LifecycleStore lifecycle;
    private final Registry registry;
    private final Policies policies;

    public Listing(MetadataStore metadata, LifecycleStore lifecycle, Registry registry, Policies policies) {
        this.metadata = metadata;
        this.lifecycle = lifecycle;
        this.registry = registry;
        this.policies = policies;
    }

    /**
     * A page of repositories of namespace (null: all) after last, at most limit, only those canPull accepts
     * (scanning on until the page is full or the names end).
     */
    public Page<RepositorySummary> repositories(String namespace, String last, int limit,
                                                Predicate<RepositoryName> canPull) {
        List<String> names = new ArrayList<>();
        String cursor = last;
        boolean more = false;
        scan:
        for (int scans = 0; scans < MAX_SCANS; scans++) {
            Page<String> page = namespace == null ? metadata.repositories(cursor, SCAN)
                    : metadata.repositories(namespace, cursor, SCAN);
            for (String name : page.items()) {
                cursor = name;
                if (canPull.test(new RepositoryName(name))) {
                    if (names.size() == limit) {
                        more = true;
                        break scan;
                    }
                    names.add(name);
                }
            }
            if (!page.more()) {
                break;
            }
        }
        return new Page<>(metadata.repositorySummaries(names), more);
    }

    /** A page of repository's tags after last, at most limit; NAME_UNKNOWN when there is no such repository. */
    public Page<TagSummary> tags(RepositoryName repository, String last, int limit) {
        requireRepository(repository);
        Page<TagSummary> page = metadata.tagSummaries(repository, last, limit);
        Function<Tag, String> rule = policies.tagChange(repository, "", "").immutableRule();
        List<TagSummary> tags = new ArrayList<>(page.items().size());
        for (TagSummary tag : page.items()) {
            tags.add(tag.withImmutable(rule.apply(new Tag(tag.tag())) != null));
        }
        return new Page<>(tags, page.more());
    }

    /** What a search reads at most per call, in rows of the metadata store, however few of them the reader may see. */
    static final int MAX_SEARCH_ROWS = 5_000;

    /**
     * Search hits up to limit, and where to go on (null: no more). A search over many rows the reader may not see
     * stops after {@link #MAX_SEARCH_ROWS} with fewer hits and a place to go on from.
     */
    public record Hits(List<SearchHit> hits, SearchHit resumeAfter) {}

    /** Tags whose name starts with prefix, after (last's tag, last's repository), only in repositories canPull accepts. */
    public Hits tagsStartingWith(String prefix, SearchHit last, int limit, Predicate<RepositoryName> canPull) {
        return search(last, limit, canPull, (after, n) -> metadata.tagsStartingWith(prefix,
                after == null ? null : after.tag(), after == null ? null : after.repository(), n));
    }

    /**
     * Manifests whose digest starts with prefix ("sha256:ab12…"), after (last's digest, last's repository), only in
     * repositories canPull accepts.
     */
    public Hits manifestsStartingWith(String prefix, SearchHit last, int limit, Predicate<RepositoryName> canPull) {
        return search(last, limit, canPull, (after, n) -> metadata.manifestsStartingWith(prefix,
                after == null ? null : after.digest().toString(), after == null ? null : after.repository(), n));
    }

    private static Hits search(SearchHit last, int limit, Predicate<RepositoryName> canPull,
                               java.util.function.BiFunction<SearchHit, Integer, Page<SearchHit>> read) {
        List<SearchHit> hits = new ArrayList<>();
        SearchHit cursor = last;
        for (int rows = 0; rows < MAX_SEARCH_ROWS; ) {
            int n = Math.min(SCAN, Math.max(limit + 1, 50));
            Page<SearchHit> page = read.apply(cursor, n);
            for (SearchHit hit : page.items()) {
                rows++;
                if (canPull.test(new RepositoryName(hit.repository()))) {
                    if (hits.size() == limit) {
                        return new Hits(hits, hits.get(hits.size() - 1));
                    }
                    hits.add(hit);
                }
                cursor = hit;
            }
            if (!page.more()) {
                return new Hits(hits, null);
            }
        }
        return new Hits(hits, cursor);
    }

    /** One manifest in detail; NAME_UNKNOWN or MANIFEST_UNKNOWN when the repository or the manifest is not there. */
    public ManifestDetails manifest(RepositoryName repository, Reference reference) {
        requireRepository(repository);
        Registry.StoredManifest stored = registry.manifest(repository, reference);
        ManifestRecord record = stored.record();
        JsonNode root;
        try {
            root = JSON.readTree(stored.bytes());
        } catch (IOException e) {
            throw new IllegalStateException("stored manifest " + record.digest() + " is not JSON", e);
        }
        Descriptor config = null;
        List<Descriptor> layers = new ArrayList<>();
        List<JsonNode> children = new ArrayList<>();
        if (root.path("manifests").isArray()) {
            root.path("manifests").forEach(children::add);
        } else {
            config = descriptor(root.get("config"));
            root.path("layers").forEach(layer -> layers.add(descriptor(layer)));
        }
        List<Digest> digests = new ArrayList<>();
        digests.add(record.digest());
        children.forEach(child -> digests.add(Digest.parse(child.path("digest").asText())));
        Map<Digest, Long> sizes = metadata.contentSizes(repository, digests);
        List<Platform> platforms = new ArrayList<>();
        for (JsonNode child : children) {
            Digest digest = Digest.parse(child.path("digest").asText());
            JsonNode platform = child.path("platform");
            platforms.add(new Platform(text(platform, "os"), text(platform, "architecture"), text(platform, "variant"),
                    digest, sizes.getOrDefault(digest, child.path("size").asLong())));
        }
        long size = sizes.getOrDefault(record.digest(), record.size());
        if (children.isEmpty()) {
            // A plain image: its platform is in its config (an index names its children's in the index itself).
            Platform own = platformOf(repository, config, record.digest(), size);
            if (own != null) {
                platforms.add(own);
            }
        }
        return new ManifestDetails(repository, record.digest(), record.mediaType(), record.artifactType(), size,
                metadata.tagsOf(repository, record.digest(), MAX_TAGS_OF_MANIFEST), config, layers, platforms,
                registry.referrers(repository, record.digest(), null), record.annotations());
    }

    /** Configs larger than this are not read. */
    public static final int MAX_CONFIG_BYTES = 1 << 20;
    /** Platforms of configs read so far (configs never change: a digest names its bytes), bounded. */
    private static final int PLATFORM_CACHE = 10_000;
    private final Map<Digest, String> configPlatforms = platformCache();
    /**
     * The platform of each image manifest read so far ("" for none): a digest names its bytes and so its config, so
     * a page of tags seen before parses no manifest again.
     */
    private final Map<Digest, String> manifestPlatforms = platformCache();

    private static Map<Digest, String> platformCache() {
        return java.util.Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Digest, String> eldest) {
                return size() > PLATFORM_CACHE;
            }
        });
    }

    /**
     * An image config (OCI or Docker) of repository, parsed; null when config is not an image config, is larger
     * than {@link #MAX_CONFIG_BYTES}, is no longer readable or is not JSON.
     */
    public JsonNode imageConfig(RepositoryName repository, Descriptor config) {
        if (config == null || config.size() > MAX_CONFIG_BYTES || !IMAGE_CONFIGS.contains(config.mediaType())) {
            return null;
        }
        try {
            BlobBytes blob = registry.blob(repository, config.digest());
            try (java.io.InputStream in = blob.openStream(0, blob.size())) {
                return JSON.readTree(in.readNBytes(MAX_CONFIG_BYTES));
            }
        } catch (RegistryException | IOException | UncheckedIOException e) {
            return null;
        }
    }

    /** The os/architecture(/variant) an image config declares; null when it declares none. */
    public static String platformOf(JsonNode config) {
        String os = text(config, "os");
        return os == null ? null : os + "/" + text(config, "architecture")
                + (text(config, "variant") == null ? "" : "/" + text(config, "variant"));
    }

    /**
     * The platform each of repository's image manifests among digests declares in its config; manifests without an
     * image config, or whose config declares none, are left out. Each config is read once, then remembered. digests
     * must be manifests of repository as the store listed them.
     */
    public Map<Digest, String> imagePlatforms(RepositoryName repository, Collection<Digest> digests) {
        Map<Digest, String> result = new LinkedHashMap<>();
        for (Digest digest : new LinkedHashSet<>(digests)) {
            String known = manifestPlatforms.get(digest);
            if (known != null) {
                if (!known.isEmpty()) {
                    result.put(digest, known);
                }
                continue;
            }
            Descriptor config;
            try {
                config = descriptor(JSON.readTree(registry.listedManifestBytes(digest)).get("config"));
            } catch (RegistryException | IOException e) {
                continue; // deleted since the page's tags were read
            }
            if (config == null) {
                manifestPlatforms.put(digest, "");
                continue;
            }
            String platform = configPlatforms.get(config.digest());
            if (platform == null) {
                JsonNode root = imageConfig(repository, config);
                platform = root == null || platformOf(root) == null ? "" : platformOf(root);
                configPlatforms.put(config.digest(), platform);
            }
            manifestPlatforms.put(digest, platform);
            if (!platform.isEmpty()) {
                result.put(digest, platform);
            }
        }
        return result;
    }

    /** One repository's counts, size and last push; null when there is no such repository. */
    public RepositorySummary summary(RepositoryName repository) {
        List<RepositorySummary> found = metadata.repositorySummaries(List.of(repository.value()));
        return found.isEmpty() ? null : found.get(0);
    }

    /** Parent indexes read for one manifest at most. */
    public static final int MAX_INDEXES_OF_MANIFEST = 100;

    /**
     * The index manifests of repository that include digest (at most {@link #MAX_INDEXES_OF_MANIFEST}, by digest);
     * more is true when there are others.
     */
    public Page<Digest> indexesOf(RepositoryName repository, Digest digest) {
        return metadata.indexesOf(repository, digest, null, MAX_INDEXES_OF_MANIFEST);
    }

    /** A page of repository's untagged manifests after last (a digest, may be null), at most limit. */
    public Page<UntaggedManifest> untagged(RepositoryName repository, Digest last, int limit) {
        requireRepository(repository);
        return metadata.untaggedManifests(repository, last, Math.min(limit, MAX_PAGE));
    }

    /**
     * The entries of each of repository's index manifests among digests (others, and image manifests, are left
     * out), in the order the index lists them, each with its content's size (one batch of size queries for all).
     * digests must be manifests of repository as the store listed them (a page of tags, a manifest looked up).
     */
    public Map<Digest, List<IndexChild>> indexChildren(RepositoryName repository, Collection<Digest> digests) {
        Map<Digest, List<JsonNode>> entries = new LinkedHashMap<>();
        Set<Digest> children = new LinkedHashSet<>();
        for (Digest digest : new LinkedHashSet<>(digests)) {
            JsonNode root;
            try {
                root = JSON.readTree(registry.listedManifestBytes(digest));
            } catch (RegistryException e) {
                continue; // deleted since the page's tags were read
            } catch (IOException e) {
                throw new IllegalStateException("stored manifest " + digest + " is not JSON", e);
            }
            if (root.path("manifests").isArray()) {
                List<JsonNode> list = new ArrayList<>();
                root.path("manifests").forEach(list::add);
                list.forEach(child -> children.add(Digest.parse(child.path("digest").asText())));
                entries.put(digest, list);
            }
        }
        Map<Digest, Long> sizes = children.isEmpty() ? Map.of() : metadata.contentSizes(repository, children);
        Map<Digest, List<IndexChild>> result = new LinkedHashMap<>();
        entries.forEach((index, list) -> result.put(index, list.stream().map(child -> {
            Descriptor descriptor = descriptor(child);
            JsonNode platform = child.path("platform");
            return new IndexChild(descriptor, text(platform, "os"), text(platform, "architecture"),
                    text(platform, "variant"), sizes.getOrDefault(descriptor.digest(), descriptor.size()));
        }).toList()));
        return result;
    }

    /**
     * The platform an image config names (os, architecture, variant) for the image digest, or null: not an image's
     * config, or one without os and architecture, or not readable (a missing or malformed config leaves it unknown).
     */
    private Platform platformOf(RepositoryName repository, Descriptor config, Digest digest, long size) {
        JsonNode image = imageConfig(repository, config);
        String os = text(image, "os");
        String architecture = text(image, "architecture");
        return os == null || architecture == null ? null
                : new Platform(os, architecture, text(image, "variant"), digest, size);
    }

    /**
     * Usage, quota and repository count of each namespace that holds repositories and that visible accepts, in
     * name order.
     */
    public List<NamespaceUsage> usage(Predicate<String> visible) {
        Map<String, Long> repositories = new TreeMap<>();
        String cursor = null;
        for (int scans = 0; scans < MAX_SCANS; scans++) {
            Page<String> page = metadata.repositories(cursor, SCAN);
            for (String name : page.items()) {
                cursor = name;
                repositories.merge(new RepositoryName(name).namespace(), 1L, Long::sum);
            }
            if (!page.more()) {
                break;
            }
        }
        List<NamespaceUsage> usage = new ArrayList<>();
        for (Map.Entry<String, Long> namespace : repositories.entrySet()) {
            if (visible.test(namespace.getKey())) {
                usage.add(new NamespaceUsage(namespace.getKey(), lifecycle.usage(namespace.getKey()),
                        lifecycle.quota(namespace.getKey()).orElse(null), namespace.getValue()));
            }
        }
        return usage;
    }

    private void requireRepository(RepositoryName repository) {
        if (!metadata.repositoryExists(repository)) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository name not known to registry",
                    Map.of("name", repository.value()));
        }
    }

    /** A descriptor of a stored (hence valid) manifest; null when there is none. */
    private static Descriptor descriptor(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        node.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new Descriptor(node.path("mediaType").asText(), Digest.parse(node.path("digest").asText()),
                node.path("size").asLong(), text(node, "artifactType"), annotations);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || !value.isTextual() ? null : value.asText();
    }
}
