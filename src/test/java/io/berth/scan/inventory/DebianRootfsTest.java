package io.berth.scan.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Debian bookworm root filesystem, made by mmdebstrap from Debian's archive (so tagged {@code clients}: it needs
 * the network the first time), read as one gzip layer: its packages are exactly what dpkg-query says of its own
 * database. The tarball is kept under target/scan-cache so that reruns do not download it again.
 */
@Tag("clients")
class DebianRootfsTest {

    static final Path CACHE = Path.of("target", "scan-cache");

    @TempDir
    Path dir;

    /** The bookworm minbase root filesystem as a tar, made once per checkout. */
    static Path bookwormTar() throws IOException {
        Path tar = CACHE.resolve("bookworm-minbase.tar");
        if (!Files.exists(tar)) {
            Files.createDirectories(CACHE);
            Path partial = CACHE.resolve("bookworm-minbase.tar.partial");
            String mode = "root".equals(System.getProperty("user.name")) ? "--mode=root" : "--mode=unshare";
            TestLayers.run(List.of("mmdebstrap", "--quiet", "--variant=minbase", mode, "--format=tar", "bookworm",
                    partial.toString()));
            Files.move(partial, tar);
        }
        return tar;
    }

    @Test
    @Timeout(600)
    void aBookwormRootFilesystemReadsAsDpkgQuerySays() throws IOException {
        Path tar = bookwormTar();
        Path gz = CACHE.resolve("bookworm-minbase.tar.gz");
        if (!Files.exists(gz)) {
            TestLayers.gzip(tar);
        }
        TestLayers.run(List.of("tar", "-xf", tar.toAbsolutePath().toString(), "-C", dir.toString(),
                "./var/lib/dpkg/status", "./usr/lib/os-release"));
        List<String> expected = LayerInventoryTest.dpkgQuery(dir.resolve("var/lib/dpkg"));
        assertThat(expected).hasSizeGreaterThan(80).anyMatch(l -> l.startsWith("libc6\t"));

        long start = System.nanoTime();
        Inventory inv = new ImageInventory(new LayerScanner(dir), new LayerCache(1_000_000))
                .read(List.of(TestLayers.layer(gz)));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("bookworm minbase: %d MB gzip read in %.2f s (%.0f MB/s)%n", Files.size(gz) >> 20, seconds,
                Files.size(gz) / seconds / 1e6);

        assertThat(LayerInventoryTest.dpkgLines(inv)).isEqualTo(expected);
        assertThat(inv.distro().ecosystem()).isEqualTo("Debian:12");
        assertThat(inv.packages()).allSatisfy(i -> assertThat(i.kind()).isEqualTo(PackageKind.DPKG));
        assertThat(inv.skipped()).isEmpty();
        // Binary to source: libc6 comes from glibc, whose version dpkg's status gives in parentheses only when needed.
        assertThat(inv.installed()).filteredOn(p -> p.name().equals("libc6")).singleElement()
                .satisfies(p -> assertThat(p.sourceName()).isEqualTo("glibc"));
    }
}
