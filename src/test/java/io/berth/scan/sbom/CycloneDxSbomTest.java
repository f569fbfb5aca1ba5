package io.berth.scan.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.scan.InstalledPackage;
import io.berth.scan.inventory.Distro;
import io.berth.scan.inventory.FileFindings;
import io.berth.scan.inventory.FoundPackage;
import io.berth.scan.inventory.ImageInventory;
import io.berth.scan.inventory.Inventory;
import io.berth.scan.inventory.LayerFindings;
import io.berth.scan.inventory.PackageKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cyclonedx.Version;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;

/**
 * The SBOM of an inventory: valid against CycloneDX 1.6's JSON schema by the library's own validator, the image as
 * the metadata component, every package a component with its purl and where it was found.
 */
class CycloneDxSbomTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    private static Inventory inventory() throws IOException {
        // The machine's own dpkg database and os-release, plus a jar in a nested location and a duplicate purl.
        Map<String, FileFindings> files = new java.util.HashMap<>();
        files.put("usr/lib/os-release", new FileFindings(List.of(), osRelease(), null));
        List<FoundPackage> dpkg = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/var/lib/dpkg/status"))) {
            if (line.startsWith("Package: ")) {
                dpkg.add(new FoundPackage(PackageKind.DPKG, line.substring(9), "1.0-1", "src-" + line.substring(9),
                        "amd64", null));
            }
        }
        files.put("var/lib/dpkg/status", FileFindings.of(dpkg));
        FoundPackage jar = new FoundPackage(PackageKind.MAVEN, "org.example:lib", "1.0", null, null,
                "app/app.jar!/BOOT-INF/lib/lib-1.0.jar");
        files.put("app/app.jar", FileFindings.of(List.of(jar)));
        files.put("app/copy.jar", FileFindings.of(List.of(jar)));
        LayerFindings layer = new LayerFindings("sha256:" + "cd".repeat(32), files, List.of(), List.of(), 1);
        return ImageInventory.merge(List.of(layer));
    }

    private static Map<String, String> osRelease() throws IOException {
        Map<String, String> fields = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/usr/lib/os-release"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", ""));
            }
        }
        return fields;
    }

    @Test
    void theSbomIsValidCycloneDx16AndNamesEveryPackage() throws IOException {
        Inventory inv = inventory();
        byte[] json = CycloneDxSbom.json(inv, "library/debian", DIGEST, "0.1.0-test",
                Instant.parse("2026-12-07T00:00:00Z"));

        assertThat(new JsonParser().validate(json, Version.VERSION_16)).isEmpty();
        // The validator does look: a component type outside the schema's enumeration is refused.
        byte[] broken = new String(json, java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"type\" : \"container\"", "\"type\" : \"box\"").getBytes();
        assertThat(broken).isNotEqualTo(json);
        assertThat(new JsonParser().validate(broken, Version.VERSION_16)).isNotEmpty();
        JsonNode doc = new ObjectMapper().readTree(json);
        assertThat(doc.path("bomFormat").asText()).isEqualTo("CycloneDX");
        assertThat(doc.path("specVersion").asText()).isEqualTo("1.6");
        JsonNode image = doc.path("metadata").path("component");
        assertThat(image.path("type").asText()).isEqualTo("container");
        assertThat(image.path("name").asText()).isEqualTo("library/debian");
        assertThat(image.path("version").asText()).isEqualTo(DIGEST);
        assertThat(image.path("hashes").get(0).path("content").asText()).isEqualTo("ab".repeat(32));
        assertThat(doc.path("metadata").path("tools").path("components").get(0).path("name").asText())
                .isEqualTo("Berth");

        JsonNode components = doc.path("components");
        assertThat(components).hasSize(inv.packages().size() + 1);
        assertThat(components.get(0).path("type").asText()).isEqualTo("operating-system");
        assertThat(components.get(0).path("name").asText()).isEqualTo("debian");
        List<String> purls = new ArrayList<>();
        List<String> refs = new ArrayList<>();
        for (JsonNode c : components) {
            refs.add(c.path("bom-ref").asText());
            if (c.path("type").asText().equals("library")) {
                purls.add(c.path("purl").asText());
            }
        }
        assertThat(refs).doesNotHaveDuplicates();
        assertThat(purls).containsExactlyInAnyOrderElementsOf(
                inv.installed().stream().map(InstalledPackage::purl).toList());
        JsonNode dpkg = components.get(1);
        assertThat(properties(dpkg)).containsEntry(CycloneDxSbom.PROP_LAYER, "sha256:" + "cd".repeat(32))
                .containsEntry(CycloneDxSbom.PROP_PATH, "/app/app.jar!/BOOT-INF/lib/lib-1.0.jar")
                .containsEntry(CycloneDxSbom.PROP_ECOSYSTEM, "Maven");
        Distro distro = inv.distro();
        assertThat(distro.ecosystem()).isEqualTo("Debian:12");
        JsonNode deb = components.get(3);
        assertThat(properties(deb)).containsEntry(CycloneDxSbom.PROP_ECOSYSTEM, "Debian:12")
                .containsEntry(CycloneDxSbom.PROP_SOURCE, "src-" + deb.path("name").asText())
                .containsEntry(CycloneDxSbom.PROP_PATH, "/var/lib/dpkg/status");

        // Made twice for the same image: the same serial number.
        byte[] again = CycloneDxSbom.json(inv, "library/debian", DIGEST, "0.1.0-test", Instant.now());
        assertThat(new ObjectMapper().readTree(again).path("serialNumber")).isEqualTo(doc.path("serialNumber"));
    }

    private static Map<String, String> properties(JsonNode component) {
        Map<String, String> out = new java.util.HashMap<>();
        for (JsonNode p : component.path("properties")) {
            out.put(p.path("name").asText(), p.path("value").asText());
        }
        return out;
    }
}
