package io.berth.scan.sbom;

import io.berth.scan.InstalledPackage;
import io.berth.scan.inventory.Distro;
import io.berth.scan.inventory.Inventory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.cyclonedx.Version;
import org.cyclonedx.exception.GeneratorException;
import org.cyclonedx.generators.BomGeneratorFactory;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Hash;
import org.cyclonedx.model.Metadata;
import org.cyclonedx.model.Property;
import org.cyclonedx.model.metadata.ToolInformation;

/**
 * The CycloneDX 1.6 JSON SBOM of an image's inventory, made with cyclonedx-core-java: the image is the metadata's
 * component (type container, its digest as version and SHA-256 hash), Berth the tool; the distribution is an
 * operating-system component; every package a library component with its purl and properties saying where it was
 * found (layer digest, path) and what matching reads (OSV ecosystem, source package).
 */
public final class CycloneDxSbom {

    /** The media type (and OCI artifactType) of the document. */
    public static final String MEDIA_TYPE = "application/vnd.cyclonedx+json";
    /** Property names, in Berth's namespace of the CycloneDX property taxonomy. */
    public static final String PROP_LAYER = "berth:layer:digest";
    public static final String PROP_PATH = "berth:package:path";
    public static final String PROP_ECOSYSTEM = "berth:package:ecosystem";
    public static final String PROP_SOURCE = "berth:package:source";
    public static final String PROP_SOURCE_VERSION = "berth:package:source-version";
    public static final String PROP_TYPE = "berth:package:type";

    private CycloneDxSbom() {
    }

    /**
     * The SBOM document.
     *
     * @param inventory    what the image holds
     * @param imageName    the repository the image is in ({@code library/debian}), for the image component's name
     * @param imageDigest  the manifest digest ({@code sha256:…})
     * @param berthVersion the version of Berth that made it
     * @param timestamp    when it was made
     */
    public static byte[] json(Inventory inventory, String imageName, String imageDigest, String berthVersion,
            Instant timestamp) {
        Objects.requireNonNull(imageDigest, "imageDigest");
        Bom bom = new Bom();
        // One image digest, one serial number: the same image's SBOM made twice is the same document but for the time.
        bom.setSerialNumber("urn:uuid:" + UUID.nameUUIDFromBytes(imageDigest.getBytes(StandardCharsets.UTF_8)));
        bom.setVersion(1);
        Metadata metadata = new Metadata();
        metadata.setTimestamp(Date.from(timestamp));
        metadata.setComponent(image(imageName, imageDigest));
        Component tool = new Component();
        tool.setType(Component.Type.APPLICATION);
        tool.setName("Berth");
        tool.setVersion(berthVersion);
        ToolInformation tools = new ToolInformation();
        tools.setComponents(List.of(tool));
        metadata.setToolChoice(tools);
        bom.setMetadata(metadata);

        List<Component> components = new ArrayList<>();
        Distro distro = inventory.distro();
        if (distro != null) {
            Component os = new Component();
            os.setType(Component.Type.OPERATING_SYSTEM);
            os.setBomRef("os:" + distro.id() + (distro.versionId() == null ? "" : "@" + distro.versionId()));
            os.setName(distro.id());
            os.setVersion(distro.versionId());
            os.setDescription(distro.prettyName());
            if (distro.ecosystem() != null) {
                os.addProperty(new Property(PROP_ECOSYSTEM, distro.ecosystem()));
            }
            components.add(os);
        }
        Map<String, Integer> refs = new HashMap<>();
        for (Inventory.Item item : inventory.packages()) {
            components.add(component(item, refs));
        }
        bom.setComponents(components);
        try {
            return BomGeneratorFactory.createJson(Version.VERSION_16, bom).toJsonString()
                    .getBytes(StandardCharsets.UTF_8);
        } catch (GeneratorException e) {
            throw new IllegalStateException("CycloneDX generation failed: " + e.getMessage(), e);
        }
    }

    private static Component image(String imageName, String imageDigest) {
        Component image = new Component();
        image.setType(Component.Type.CONTAINER);
        image.setBomRef(imageDigest);
        image.setName(imageName == null || imageName.isEmpty() ? imageDigest : imageName);
        image.setVersion(imageDigest);
        int colon = imageDigest.indexOf(':');
        if (colon > 0 && imageDigest.substring(0, colon).equals("sha256")) {
            image.setHashes(List.of(new Hash(Hash.Algorithm.SHA_256, imageDigest.substring(colon + 1))));
        }
        if (imageName != null && !imageName.isEmpty()) {
            String last = imageName.substring(imageName.lastIndexOf('/') + 1);
            image.setPurl("pkg:oci/" + last + "@" + imageDigest.replace(":", "%3A"));
        }
        return image;
    }

    private static Component component(Inventory.Item item, Map<String, Integer> refs) {
        InstalledPackage p = item.pkg();
        Component c = new Component();
        c.setType(Component.Type.LIBRARY);
        int seen = refs.merge(p.purl(), 1, Integer::sum);
        c.setBomRef(seen == 1 ? p.purl() : p.purl() + "#" + seen);
        c.setName(p.name());
        c.setVersion(p.version());
        c.setPurl(p.purl());
        c.addProperty(new Property(PROP_TYPE, item.kind().name().toLowerCase()));
        c.addProperty(new Property(PROP_ECOSYSTEM, p.ecosystem()));
        if (!p.sourceName().equals(p.name())) {
            c.addProperty(new Property(PROP_SOURCE, p.sourceName()));
        }
        if (item.sourceVersion() != null) {
            c.addProperty(new Property(PROP_SOURCE_VERSION, item.sourceVersion()));
        }
        c.addProperty(new Property(PROP_PATH, p.path()));
        c.addProperty(new Property(PROP_LAYER, item.layerDigest()));
        return c;
    }
}
