package io.berth.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.Scans.Counts;
import io.berth.model.Scans.Report;
import io.berth.model.VulnDb.RawRecord;
import io.berth.metadata.ScanStore;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.MediaTypes;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.BlobBytes;
import io.berth.registry.Registry;
import io.berth.scan.inventory.ImageInventory;
import io.berth.scan.inventory.Inventory;
import io.berth.scan.inventory.Layer;
import io.berth.scan.osv.Finding;
import io.berth.scan.osv.Matcher;
import io.berth.scan.osv.OsvRecord;
import io.berth.scan.vulndb.VulnerabilityDatabase;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Scans one manifest: an image's layers are read as streams through the registry (as a pull reads them), its
 * inventory matched against the vulnerability database (one batched lookup per ecosystem), and the report written
 * with the image's package keys (which tell a later import what to rescan), then its SBOM stored as a referrer. An
 * index is scanned platform by platform (attestations and other artifacts among its children are passed over) and
 * gets a report of them all.
 */
public final class Scanner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Scanner.class);
    /** The configs of images: anything else (signatures, SBOMs, Helm charts) is not scanned. */
    public static final Set<String> IMAGE_CONFIGS = Set.of("application/vnd.oci.image.config.v1+json",
            "application/vnd.docker.container.image.v1+json");

    private final Registry registry;
    private final VulnerabilityDatabase vulndb;
    private final ScanStore store;
    private final ImageInventory inventory;
    private final SbomReferrer sboms;
    private final String version;
    private final Clock clock;

    public Scanner(Registry registry, VulnerabilityDatabase vulndb, ScanStore store, ImageInventory inventory,
                   SbomReferrer sboms, String version, Clock clock) {
        this.registry = registry;
        this.vulndb = vulndb;
        this.store = store;
        this.inventory = inventory;
        this.sboms = sboms;
        this.version = version;
        this.clock = clock;
    }

    /** Whether a pushed manifest is one to scan: an image or an index, not a referrer or another artifact. */
    public static boolean scannable(String mediaType, String artifactType, Digest subject) {
        if (subject != null) {
            return false;
        }
        return MediaTypes.isIndex(mediaType) || artifactType == null || IMAGE_CONFIGS.contains(artifactType);
    }

    /** Scans the manifest digest of repository and stores its report; the report. */
    public Report scan(RepositoryName repository, Digest digest) throws IOException {
        Registry.StoredManifest stored = registry.manifest(repository, new Reference(null, digest));
        JsonNode doc = HarborReport.JSON.readTree(stored.bytes());
        long generation = vulndb.generation();
        if (MediaTypes.isIndex(stored.record().mediaType())) {
            return scanIndex(repository, digest, stored.record().mediaType(), doc, generation);
        }
        if (!scannable(stored.record().mediaType(), stored.record().artifactType(), stored.record().subject())) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, "not an image: " + digest + " is "
                    + stored.record().artifactType() + (stored.record().subject() == null ? "" : ", a referrer"));
        }
        return scanImage(repository, digest, stored.record().mediaType(), doc, generation);
    }

    private Report scanImage(RepositoryName repository, Digest digest, String mediaType, JsonNode doc,
                             long generation) throws IOException {
        long started = System.nanoTime();
        List<Layer> layers = new ArrayList<>();
        for (JsonNode l : doc.path("layers")) {
            Digest layer = Digest.parse(l.path("digest").asText());
            String type = l.path("mediaType").asText("");
            layers.add(new Layer(layer.toString(), type, () -> {
                BlobBytes bytes = registry.blob(repository, layer);
                return bytes.openStream(0, bytes.size());
            }));
        }
        Inventory inv = inventory.read(layers);
        Set<String> keys = new LinkedHashSet<>();
        List<Finding> findings = match(inv, keys);
        Instant now = clock.instant();
        ObjectNode json = HarborReport.image(repository.toString(), digest.toString(), mediaType, version, now,
                findings);
        Counts counts = HarborReport.summarize(json);
        // The SBOM first: once the report is there, so is its referrer.
        SbomReferrer.Stored sbom = null;
        try {
            sbom = sboms.store(repository, digest, mediaType, manifestSize(repository, digest), inv, now);
        } catch (RuntimeException e) {
            // The report stands; the SBOM is written again by the next scan.
            LOG.warn("storing the SBOM of {}@{}: {}", repository, digest, e.toString());
        }
        Report report = new Report(digest.toString(), repository.toString(), version, generation, now,
                json.path("severity").asText(), counts, json.toString(), sbom == null ? null : sbom.digest(),
                sbom == null ? null : sbom.inventoryDigest());
        store.putReport(report, keys);
        LOG.info("scanned {}@{}: {} packages, {} vulnerabilities ({} ms)", repository, digest, inv.packages().size(),
                findings.size(), (System.nanoTime() - started) / 1_000_000);
        return report;
    }

    private long manifestSize(RepositoryName repository, Digest digest) {
        return registry.manifestRecord(repository, new Reference(null, digest)).size();
    }

    private Report scanIndex(RepositoryName repository, Digest digest, String mediaType, JsonNode doc,
                             long generation) throws IOException {
        List<HarborReport.PlatformReport> platforms = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        for (JsonNode child : doc.path("manifests")) {
            JsonNode platform = child.path("platform");
            String os = platform.path("os").asText("unknown");
            String arch = platform.path("architecture").asText("unknown");
            boolean attestation = child.path("annotations").has("vnd.docker.reference.type")
                    || (os.equals("unknown") && arch.equals("unknown")) || child.hasNonNull("artifactType");
            if (attestation || MediaTypes.isIndex(child.path("mediaType").asText())) {
                continue;
            }
            Digest childDigest = Digest.parse(child.path("digest").asText());
            Optional<Report> existing = store.report(childDigest.toString())
                    .filter(r -> r.vulndbGeneration() == generation && r.scannerVersion().equals(version));
            Report childReport = existing.isPresent() ? existing.get() : scan(repository, childDigest);
            keys.addAll(store.packageKeys(childDigest.toString()));
            String name = os + "/" + arch + (platform.hasNonNull("variant") ? "/" + platform.get("variant").asText() : "");
            platforms.add(new HarborReport.PlatformReport(name, childDigest.toString(),
                    (ObjectNode) HarborReport.JSON.readTree(childReport.json())));
        }
        Instant now = clock.instant();
        ObjectNode json = HarborReport.index(repository.toString(), digest.toString(), mediaType, version, now,
                platforms);
        Counts counts = HarborReport.summarize(json);
        Report report = new Report(digest.toString(), repository.toString(), version, generation, now,
                json.path("severity").asText(), counts, json.toString(), null, null);
        store.putReport(report, keys);
        return report;
    }

    /**
     * The findings of an inventory, each record once per package, worst first; keys receives the package keys
     * (Matcher.lookupKeys) of every package. Debian and Ubuntu records compare source versions: a package is matched
     * with its source version and reported with its installed one.
     */
    List<Finding> match(Inventory inv, Set<String> keys) {
        Map<String, List<Inventory.Item>> byEcosystem = new LinkedHashMap<>();
        for (Inventory.Item item : inv.packages()) {
            byEcosystem.computeIfAbsent(item.pkg().ecosystem(), e -> new ArrayList<>()).add(item);
        }
        Map<String, OsvRecord> parsed = new HashMap<>();
        List<Finding> findings = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Map.Entry<String, List<Inventory.Item>> e : byEcosystem.entrySet()) {
            Set<String> names = new LinkedHashSet<>();
            for (Inventory.Item item : e.getValue()) {
                for (String key : Matcher.lookupKeys(item.pkg())) {
                    keys.add(key);
                    names.add(key.substring(key.indexOf(':') + 1));
                }
                names.add(item.pkg().name());
                names.add(item.pkg().sourceName());
            }
            Map<String, List<RawRecord>> records = vulndb.recordsFor(e.getKey(), names);
            if (records.isEmpty()) {
                continue;
            }
            Map<String, RawRecord> byId = new HashMap<>();
            records.values().forEach(list -> list.forEach(r -> byId.put(r.id(), r)));
            for (Inventory.Item item : e.getValue()) {
                InstalledPackage pkg = item.pkg();
                InstalledPackage compared = item.sourceVersion() == null ? pkg : new InstalledPackage(pkg.ecosystem(),
                        pkg.name(), item.sourceVersionOrVersion(), pkg.sourceName(), pkg.purl(), pkg.path());
                Set<String> candidates = new LinkedHashSet<>();
                for (String name : List.of(pkg.name(), pkg.sourceName())) {
                    records.getOrDefault(name, List.of()).forEach(r -> candidates.add(r.id()));
                }
                for (String key : Matcher.lookupKeys(pkg)) {
                    records.getOrDefault(key.substring(key.indexOf(':') + 1), List.of()).forEach(r -> candidates.add(r.id()));
                }
                for (String id : candidates) {
                    OsvRecord record = parsed.computeIfAbsent(id, i -> parse(byId.get(i)));
                    if (record == null || !seen.add(id + " " + pkg.name() + " " + pkg.version() + " " + pkg.path())) {
                        continue;
                    }
                    Matcher.match(record, compared).ifPresent(f -> findings.add(new Finding(f.record(), pkg,
                            f.affected(), f.fixedVersion(), f.rating())));
                }
            }
        }
        findings.sort(Comparator.comparing((Finding f) -> f.rating().level()).reversed()
                .thenComparing(Finding::id).thenComparing(f -> f.installed().name()));
        return findings;
    }

    private static OsvRecord parse(RawRecord raw) {
        try {
            return OsvRecord.parse(raw.json().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.warn("OSV record {} does not parse: {}", raw.id(), e.toString());
            return null;
        }
    }
}
