package io.berth.scan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.metadata.ScanStore;
import io.berth.model.ManifestRecord;
import io.berth.oci.Digest;
import io.berth.oci.MediaTypes;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.Registry;
import io.berth.registry.UploadWriter;
import io.berth.registry.Uploads;
import io.berth.scan.inventory.Inventory;
import io.berth.scan.sbom.CycloneDxSbom;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Stores an image's SBOM as an OCI 1.1 referrer of it: the CycloneDX document as a blob, the empty config, and an
 * image manifest with {@code artifactType: application/vnd.cyclonedx+json} and {@code subject} the image, all pushed
 * through the registry as a client's push would be (so the referrers API lists it, clients pull it and garbage
 * collection treats it as any referrer). An SBOM of the same inventory that is still there is not made again.
 */
public final class SbomReferrer {
    /** Who the SBOM's push is recorded as. */
    public static final String ACTOR = "scanner";
    private static final byte[] EMPTY = "{}".getBytes(StandardCharsets.US_ASCII);

    private final Registry registry;
    private final Uploads uploads;
    private final ScanStore store;
    private final String version;

    public SbomReferrer(Registry registry, Uploads uploads, ScanStore store, String version) {
        this.registry = registry;
        this.uploads = uploads;
        this.store = store;
        this.version = version;
    }

    /** An SBOM referrer: its manifest's digest and the digest of the inventory it describes. */
    record Stored(String digest, String inventoryDigest) {}

    /**
     * Stores the SBOM of the image digest (its manifest of mediaType and size) unless the same one is there; the
     * SBOM referrer either way.
     */
    Stored store(RepositoryName repository, Digest digest, String mediaType, long size, Inventory inventory,
               Instant now) {
        String inventoryDigest = inventoryDigest(inventory);
        var report = store.report(digest.toString());
        if (report.isPresent() && inventoryDigest.equals(report.get().inventoryDigest())
                && report.get().sbomDigest() != null && present(repository, report.get().sbomDigest())) {
            return new Stored(report.get().sbomDigest(), inventoryDigest);
        }
        byte[] document = CycloneDxSbom.json(inventory, repository.toString(), digest.toString(), version, now);
        Digest documentDigest = Digest.of("sha256", document);
        Digest emptyDigest = Digest.of("sha256", EMPTY);
        push(repository, emptyDigest, EMPTY);
        push(repository, documentDigest, document);
        ObjectNode m = HarborReport.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.OCI_MANIFEST);
        m.put("artifactType", CycloneDxSbom.MEDIA_TYPE);
        m.putObject("config").put("mediaType", MediaTypes.OCI_EMPTY).put("digest", emptyDigest.toString())
                .put("size", EMPTY.length).put("data", "e30=");
        m.putArray("layers").addObject().put("mediaType", CycloneDxSbom.MEDIA_TYPE)
                .put("digest", documentDigest.toString()).put("size", document.length)
                .putObject("annotations").put("org.opencontainers.image.title", "sbom.cdx.json");
        m.putObject("subject").put("mediaType", mediaType).put("digest", digest.toString()).put("size", size);
        m.putObject("annotations").put("org.opencontainers.image.created", now.toString())
                .put("io.berth.sbom.inventory", inventoryDigest);
        byte[] manifest = m.toString().getBytes(StandardCharsets.UTF_8);
        Registry.PutResult put = registry.putManifest(repository, new Reference(null, Digest.of("sha256", manifest)),
                MediaTypes.OCI_MANIFEST, manifest, List.of(), ACTOR);
        return new Stored(put.digest().toString(), inventoryDigest);
    }

    private boolean present(RepositoryName repository, String sbomDigest) {
        try {
            ManifestRecord record = registry.manifestRecord(repository, new Reference(null, Digest.parse(sbomDigest)));
            return record != null;
        } catch (RegistryException e) {
            return false;
        }
    }

    /** Uploads a blob to repository as a push does (one PUT with its digest), unless the repository can have it already. */
    private void push(RepositoryName repository, Digest digest, byte[] bytes) {
        if (registry.mount(repository, digest, null, r -> r.equals(repository))) {
            return;
        }
        String id = uploads.start(repository, digest.algorithm()).id();
        UploadWriter writer = uploads.openWriter(repository, id, null, digest);
        try {
            writer.write(ByteBuffer.wrap(bytes));
        } catch (RuntimeException e) {
            writer.abort();
            throw e;
        }
        writer.complete();
    }

    /** A digest of what the inventory lists: equal inventories, equal SBOMs but for their time. */
    static String inventoryDigest(Inventory inventory) {
        StringBuilder text = new StringBuilder();
        text.append(inventory.distro()).append('\n');
        for (Inventory.Item item : inventory.packages()) {
            text.append(item).append('\n');
        }
        return Digest.of("sha256", text.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }
}
