package io.berth.scan.inventory;

import static io.berth.scan.inventory.TestLayers.file;
import static io.berth.scan.inventory.TestLayers.opaque;
import static io.berth.scan.inventory.TestLayers.symlink;
import static io.berth.scan.inventory.TestLayers.whiteout;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.scan.InstalledPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers applied in order: the machine's own dpkg database (a real Debian bookworm status file) read from a layer
 * equals what dpkg-query says of it; whiteouts and opaque directories of later layers delete or replace it; gzip,
 * zstd (by the real tools) and plain layers read the same; the cache reads a shared layer once.
 */
class LayerInventoryTest {

    @TempDir
    Path dir;

    private static final String DPKG_QUERY_FORMAT = "${db:Status-Status}\\t${Package}\\t${Version}\\t"
            + "${source:Package}\\t${source:Version}\\t${Architecture}\\n";

    /** What dpkg-query says is installed in the admin directory: name, version, source, arch lines, sorted. */
    static List<String> dpkgQuery(Path adminDir) throws IOException {
        String out = TestLayers.run(List.of("dpkg-query", "--admindir=" + adminDir, "-W", "-f=" + DPKG_QUERY_FORMAT));
        return out.lines().filter(l -> l.startsWith("installed\t")).map(l -> l.substring("installed\t".length()))
                .sorted().toList();
    }

    static List<String> dpkgLines(Inventory inventory) {
        return inventory.packages().stream().filter(i -> i.kind() == PackageKind.DPKG)
                .map(i -> i.pkg().name() + "\t" + i.pkg().version() + "\t" + i.pkg().sourceName() + "\t"
                        + i.sourceVersionOrVersion() + "\t" + i.arch())
                .sorted().toList();
    }

    /** A copy of the machine's dpkg database (apt may change the original while the test runs). */
    private Path adminDir() throws IOException {
        Path admin = dir.resolve("dpkg");
        if (!Files.exists(admin)) {
            Files.createDirectories(admin);
            Files.copy(Path.of("/var/lib/dpkg/status"), admin.resolve("status"));
        }
        return admin;
    }

    private Path baseLayer() throws IOException {
        return TestLayers.tar(dir.resolve("base.tar"),
                file("usr/lib/os-release", Files.readString(Path.of("/usr/lib/os-release"))),
                symlink("etc/os-release", "../usr/lib/os-release"),
                file("var/lib/dpkg/status", Files.readString(adminDir().resolve("status"))),
                file("usr/bin/hello", "#!/bin/sh\necho hello, padded to more than a kilobyte\n".repeat(30)
                        .getBytes(), 0755));
    }

    @Test
    void theMachinesDpkgDatabaseReadsAsDpkgQuerySaysInEveryCompression() throws IOException {
        Path plain = baseLayer();
        List<String> expected = dpkgQuery(adminDir());
        assertThat(expected).hasSizeGreaterThan(100);
        ImageInventory inventory = new ImageInventory(new LayerScanner(dir), new LayerCache(1_000_000));
        for (Path layer : List.of(plain, TestLayers.gzip(plain), TestLayers.zstd(plain))) {
            Inventory inv = inventory.read(List.of(TestLayers.layer(layer)));
            assertThat(dpkgLines(inv)).as(layer.getFileName().toString()).isEqualTo(expected);
            assertThat(inv.distro().ecosystem()).isEqualTo("Debian:12");
            InstalledPackage dpkg = inv.installed().stream().filter(p -> p.name().equals("dpkg")).findFirst()
                    .orElseThrow();
            assertThat(dpkg.ecosystem()).isEqualTo("Debian:12");
            assertThat(dpkg.path()).isEqualTo("/var/lib/dpkg/status");
            assertThat(dpkg.purl()).startsWith("pkg:deb/debian/dpkg@" + dpkg.version().replace("+", "%2B"))
                    .contains("arch=amd64").contains("distro=debian-12");
            assertThat(inv.skipped()).isEmpty();
        }
        // The three compressions carry the same files: the same findings but for digest and size.
        LayerFindings a = new LayerScanner(dir).scan(TestLayers.layer(plain));
        LayerFindings b = new LayerScanner(dir).scan(TestLayers.layer(TestLayers.zstd(plain)));
        assertThat(b.files()).isEqualTo(a.files());
        assertThat(a.bytesRead()).isEqualTo(Files.size(plain));
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesOfLaterLayersDeleteAndReplaceTheDatabase() throws IOException {
        Layer base = TestLayers.layer(baseLayer());
        Layer deleted = TestLayers.layer(TestLayers.tar(dir.resolve("del.tar"), whiteout("var/lib/dpkg/status")));
        Layer dirGone = TestLayers.layer(TestLayers.tar(dir.resolve("dirgone.tar"), whiteout("var/lib/dpkg")));
        String one = "Package: only\nStatus: install ok installed\nVersion: 1:2.0-1\nSource: origin (2.0-0)\n"
                + "Architecture: all\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n";
        Layer replaced = TestLayers.layer(TestLayers.gzip(TestLayers.tar(dir.resolve("opq.tar"),
                opaque("var/lib/dpkg"), file("var/lib/dpkg/status", one))));
        Layer osGone = TestLayers.layer(TestLayers.tar(dir.resolve("os.tar"), opaque("usr/lib"),
                whiteout("etc/os-release")));
        ImageInventory inventory = new ImageInventory(new LayerScanner(dir), null);

        assertThat(dpkgLines(inventory.read(List.of(base)))).hasSizeGreaterThan(100);
        assertThat(dpkgLines(inventory.read(List.of(base, deleted)))).isEmpty();
        assertThat(dpkgLines(inventory.read(List.of(base, dirGone)))).isEmpty();
        Inventory inv = inventory.read(List.of(base, deleted, replaced));
        assertThat(dpkgLines(inv)).containsExactly("only\t1:2.0-1\torigin\t2.0-0\tall");
        assertThat(inv.packages().get(0).layerDigest()).isEqualTo(replaced.digest());
        // The status written in the same layer as the opaque marker stays; the lower one does not come back.
        assertThat(dpkgLines(inventory.read(List.of(base, replaced))))
                .containsExactly("only\t1:2.0-1\torigin\t2.0-0\tall");
        // os-release gone: the packages stay, their ecosystem falls back to the package manager's.
        Inventory noOs = inventory.read(List.of(base, osGone));
        assertThat(noOs.distro()).isNull();
        assertThat(noOs.installed()).allSatisfy(p -> assertThat(p.ecosystem()).isEqualTo("Debian"));
    }

    @Test
    void aSharedLayerIsReadOnceAndItsFindingsSurviveSerialisation() throws IOException {
        Path base = TestLayers.gzip(baseLayer());
        AtomicInteger opened = new AtomicInteger();
        Layer counted = new Layer(TestLayers.sha256(base), "application/vnd.oci.image.layer.v1.tar+gzip", () -> {
            opened.incrementAndGet();
            return Files.newInputStream(base);
        });
        Layer top = TestLayers.layer(TestLayers.tar(dir.resolve("top.tar"), file("app/x", "x")));
        LayerCache cache = new LayerCache(100_000);
        ImageInventory inventory = new ImageInventory(new LayerScanner(dir), cache);
        Inventory first = inventory.read(List.of(counted));
        Inventory second = inventory.read(List.of(counted, top));
        assertThat(opened).hasValue(1);
        assertThat(second.packages()).isEqualTo(first.packages());
        assertThat(cache.hits()).isEqualTo(1);

        LayerFindings findings = inventory.findings(counted);
        LayerFindings back = LayerFindings.fromJson(findings.toJson());
        assertThat(back).isEqualTo(findings);
        assertThat(ImageInventory.merge(List.of(back)).packages()).isEqualTo(first.packages());

        // A cache too small for the layer keeps nothing, and reading still works.
        LayerCache tiny = new LayerCache(10);
        new ImageInventory(new LayerScanner(dir), tiny).read(List.of(counted));
        assertThat(tiny.size()).isZero();
    }
}
