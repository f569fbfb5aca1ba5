package io.berth.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.auth.Permissions;
import io.berth.auth.Scope;
import io.berth.http.Exchange;
import io.berth.http.Response;
import io.berth.model.Listings.IndexChild;
import io.berth.ui.Views.Annotation;
import io.berth.ui.Views.Config;
import io.berth.ui.Views.Pull;
import io.berth.ui.Views.Referrer;
import io.berth.ui.Views.Step;
import io.berth.model.Listings.ManifestDetails;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.oci.Descriptor;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.Listing;
import io.berth.registry.Registry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One manifest by digest: its facts, pull commands (docker, podman, a Kubernetes image: line; by tag and by digest),
 * an index's platforms apart from what is attached to them (buildx attestations, artifacts), an image's config
 * (environment, entrypoint, command, labels) and its layers paired with the history steps that made them, its
 * annotations, the referrers tree grouped by artifact type, the indexes that include it, and the manifest itself,
 * pretty and as its exact bytes.
 */
final class ArtifactPages {
    /** How deep the referrers tree goes (referrers of referrers of referrers), and how many nodes it shows. */
    static final int REFERRER_DEPTH = 3;
    static final int REFERRER_NODES = 200;
    static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebUi ui;
    private final Listing listing;
    private final Registry registry;
    private final Permissions permissions;
    private final Pages pages;

    ArtifactPages(WebUi ui, Listing listing, Registry registry, Permissions permissions, Pages pages) {
        this.ui = ui;
        this.listing = listing;
        this.registry = registry;
        this.permissions = permissions;
        this.pages = pages;
    }

    // ---- GET /r/<name>/-/<digest>

    Response artifact(Exchange ex, WebUi.Visitor visitor, RepositoryName repository) {
        String raw = ex.param("digest");
        ManifestDetails details;
        Registry.StoredManifest stored;
        try {
            if (!DIGEST.matcher(raw).matches()) {
                throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest unknown");
            }
            details = listing.manifest(repository, Reference.parse(raw));
            stored = registry.manifest(repository, new Reference(null, details.digest()));
        } catch (RegistryException | IllegalArgumentException e) {
            return ui.notFound(visitor, "There is no manifest " + raw + " in " + repository + ".");
        }
        JsonNode root = readJson(stored.bytes());
        List<IndexChild> children = listing.indexChildren(repository, List.of(details.digest()))
                .getOrDefault(details.digest(), List.of());
        Page<Digest> parents = listing.indexesOf(repository, details.digest());
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", ui.chrome(visitor, repository.value() + "@" + Format.shortDigest(details.digest())));
        params.put("m", details);
        params.put("platforms", children.stream().filter(c -> c.kind().equals("platform")).toList());
        params.put("attached", children.stream().filter(c -> !c.kind().equals("platform")).toList());
        params.put("referrers", referrerTree(repository, details.referrers(), new int[] {REFERRER_NODES}, 1));
        params.put("cosign", cosignTags(repository, details.digest()));
        params.put("subject", subject(root));
        params.put("parents", parents.items());
        params.put("moreParents", parents.more());
        PullHost host = pullHost(ui.registryHost(), ex);
        params.put("pulls", pulls(host.host(), repository, details));
        params.put("pullWarning", host.warning());
        params.put("config", config(repository, details.config(), details.layers()));
        params.put("annotations", annotations(details.annotations()));
        params.put("pretty", pretty(root));
        params.put("raw", new String(stored.bytes(), StandardCharsets.UTF_8));
        params.put("mayDelete", permissions.may(visitor.principal(), repository, Scope.DELETE));
        return pages.render(200, "artifact.jte", params);
    }

    /** The host of pull commands, and a warning when it is a guess clients would misread (else null). */
    record PullHost(String host, String warning) {}

    private static final String UNKNOWN_HOST = "<registry-host>";

    /**
     * ui.registryHost when set; else the host the visitor reached us on (http.externalUrl's, else the Host header;
     * never X-Forwarded-Host, which anyone can send). Docker reads a first component without '.' or ':' (other than
     * localhost) as a Docker Hub namespace, so such a host, or none, comes with a warning to set ui.registryHost.
     */
    static PullHost pullHost(String configured, Exchange ex) {
        if (configured != null && !configured.isEmpty()) {
            return new PullHost(configured, null);
        }
        String host = null;
        if (ex.header("X-Forwarded-Host") == null) {
            String url = ex.url("/");
            host = url.startsWith("/") ? null : url.replaceFirst("^https?://", "").replaceFirst("/$", "");
        } else if (ex.header("Host") != null && HOST.matcher(ex.header("Host")).matches()) {
            host = ex.header("Host");
        }
        if (host == null) {
            return new PullHost(UNKNOWN_HOST, "This page could not tell the registry's address: replace "
                    + UNKNOWN_HOST + ", and ask the administrator to set ui.registryHost.");
        }
        String first = host.toLowerCase(java.util.Locale.ROOT);
        if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) {
            return new PullHost(host, "Clients read " + host + "/… as a Docker Hub namespace, not as this registry: "
                    + "pull with a host name containing a dot or a port, and ask the administrator to set "
                    + "ui.registryHost.");
        }
        return new PullHost(host, null);
    }

    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9.\\-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");

    static List<Pull> pulls(String host, RepositoryName repository, ManifestDetails details) {
        String image = host + "/" + repository.value();
        List<Pull> pulls = new ArrayList<>();
        if (!details.tags().isEmpty()) {
            String tag = details.tags().contains("latest") ? "latest" : details.tags().get(0);
            pulls.add(new Pull("docker, by tag", "docker pull " + image + ":" + tag));
            pulls.add(new Pull("podman, by tag", "podman pull " + image + ":" + tag));
            pulls.add(new Pull("Kubernetes, by tag", "image: " + image + ":" + tag));
        }
        pulls.add(new Pull("docker, by digest", "docker pull " + image + "@" + details.digest()));
        pulls.add(new Pull("podman, by digest", "podman pull " + image + "@" + details.digest()));
        pulls.add(new Pull("Kubernetes, by digest", "image: " + image + "@" + details.digest()));
        return pulls;
    }

    /** Referrers grouped by artifact type, each with its own referrers down to REFERRER_DEPTH, budget nodes in all. */
    private Map<String, List<Referrer>> referrerTree(RepositoryName repository, List<ManifestRecord> referrers,
                                                     int[] budget, int depth) {
        Map<String, List<Referrer>> groups = new TreeMap<>();
        for (ManifestRecord referrer : referrers) {
            if (budget[0]-- <= 0) {
                break;
            }
            Map<String, List<Referrer>> below = depth >= REFERRER_DEPTH ? Map.of()
                    : referrerTree(repository, registry.referrers(repository, referrer.digest(), null), budget, depth + 1);
            String type = referrer.artifactType() == null || referrer.artifactType().isEmpty()
                    ? referrer.mediaType() : referrer.artifactType();
            groups.computeIfAbsent(type, t -> new ArrayList<>()).add(new Referrer(referrer, below));
        }
        return groups;
    }

    /** cosign's tags for digest (sha256-<hex>.sig, .att, .sbom) that exist, with the digest each points at. */
    private Map<String, Digest> cosignTags(RepositoryName repository, Digest digest) {
        Map<String, Digest> found = new LinkedHashMap<>();
        for (String suffix : List.of("sig", "att", "sbom")) {
            String tag = digest.algorithm() + "-" + digest.hex() + "." + suffix;
            try {
                found.put(tag, registry.manifestRecord(repository, Reference.parse(tag)).digest());
            } catch (RegistryException | IllegalArgumentException e) {
                // no such tag
            }
        }
        return found;
    }

    private static Digest subject(JsonNode root) {
        JsonNode digest = root.path("subject").path("digest");
        return digest.isTextual() ? Digest.parse(digest.asText()) : null;
    }

    private static JsonNode readJson(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("a stored manifest is not JSON", e);
        }
    }

    private static String pretty(JsonNode root) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The image's config, read from its blob when it is an image config; null when there is none to show. */
    private Config config(RepositoryName repository, Descriptor config, List<Descriptor> layers) {
        JsonNode root = listing.imageConfig(repository, config);
        if (root == null) {
            return null;
        }
        JsonNode c = root.path("config");
        Map<String, String> labels = new TreeMap<>();
        c.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        return new Config(Listing.platformOf(root), text(root, "created"), strings(c.path("Env")), strings(c.path("Entrypoint")),
                strings(c.path("Cmd")), text(c, "WorkingDir"), text(c, "User"), labels, steps(root.path("history"), layers));
    }

    /**
     * The layers, each paired with the history entry that made it: history entries marked empty_layer made no layer
     * and are listed between them. When the history does not match the layers (more non-empty entries than layers,
     * or fewer), the layers that have no entry are listed alone.
     */
    static List<Step> steps(JsonNode history, List<Descriptor> layers) {
        List<Step> steps = new ArrayList<>();
        int next = 0;
        if (history.isArray()) {
            for (JsonNode entry : history) {
                boolean empty = entry.path("empty_layer").asBoolean(false);
                Descriptor layer = !empty && next < layers.size() ? layers.get(next) : null;
                if (!empty) {
                    next++;
                }
                steps.add(new Step(layer, layer == null ? 0 : next, text(entry, "created_by"), text(entry, "created")));
            }
        }
        for (; next < layers.size(); next++) {
            steps.add(new Step(layers.get(next), next + 1, null, null));
        }
        return steps;
    }

    /** Annotations in key order; the source and revision of an image link to where they lead (http and https only). */
    static List<Annotation> annotations(Map<String, String> annotations) {
        String source = annotations.get("org.opencontainers.image.source");
        String sourceUrl = source != null && isWebUrl(source) ? source : null;
        List<Annotation> result = new ArrayList<>();
        for (Map.Entry<String, String> a : new TreeMap<>(annotations).entrySet()) {
            String href = null;
            if (a.getKey().equals("org.opencontainers.image.source") || a.getKey().equals("org.opencontainers.image.url")
                    || a.getKey().equals("org.opencontainers.image.documentation")) {
                href = isWebUrl(a.getValue()) ? a.getValue() : null;
            } else if (a.getKey().equals("org.opencontainers.image.revision")) {
                if (isWebUrl(a.getValue())) {
                    href = a.getValue();
                } else if (sourceUrl != null && a.getValue().matches("[0-9a-fA-F]{7,64}")) {
                    // GitHub, GitLab, Gitea and Forgejo all show a commit at <repository>/commit/<sha>.
                    href = sourceUrl.replaceFirst("(\\.git)?/*$", "") + "/commit/" + a.getValue();
                }
            }
            result.add(new Annotation(a.getKey(), a.getValue(), href));
        }
        return result;
    }

    /** An absolute http or https URL with a host, and nothing a browser would read as another scheme. */
    static boolean isWebUrl(String value) {
        try {
            java.net.URI uri = new java.net.URI(value);
            return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null && value.chars().noneMatch(ch -> ch < 0x21 || ch == 0x7f);
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isTextual() ? null : value.asText();
    }
}
