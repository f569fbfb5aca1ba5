package io.berth.scan.inventory;

import static io.berth.scan.inventory.TestLayers.file;
import static io.berth.scan.inventory.TestLayers.hardlink;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extractors on the formats as their tools write them: apk's installed database (an Alpine 3.20 excerpt),
 * distroless's dpkg {@code status.d}, os-release of each distribution OSV covers, hard links in a layer.
 */
class ExtractorsTest {

    @TempDir
    Path dir;

    private static final String APK = """
            C:Q1bdg6wbCpfrxE8AqBEoUDx/kiYwk=
            P:musl
            V:1.2.5-r0
            A:x86_64
            S:411276
            I:632832
            T:the musl c library (libc) implementation
            U:https://musl.libc.org/
            L:MIT
            o:musl
            m:Timo Teräs <timo.teras@iki.fi>
            t:1712159467
            c:d37b4e1e4a4a4ad4d2d1e8f9f1b1ad1c1e8d0c7b
            F:lib
            R:ld-musl-x86_64.so.1

            C:Q1FzAJGEBhvbnyaqzFWtXc4Fj7sZk=
            P:libcrypto3
            V:3.3.1-r0
            A:x86_64
            o:openssl
            F:usr/lib
            R:libcrypto.so.3
            """;

    private static final String ALPINE = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.1\n"
            + "PRETTY_NAME=\"Alpine Linux v3.20\"\nHOME_URL=\"https://alpinelinux.org/\"\n";

    private Inventory read(TestLayers.Item... items) throws IOException {
        Path layer = TestLayers.tar(Files.createTempFile(dir, "layer", ".tar"), items);
        return new ImageInventory(new LayerScanner(dir), null).read(List.of(TestLayers.layer(layer)));
    }

    @Test
    void apkInstalledDatabaseWithOrigins() throws IOException {
        Inventory inv = read(file("etc/os-release", ALPINE), file("lib/apk/db/installed", APK));
        assertThat(inv.installed()).extracting(p -> String.join(" ", p.ecosystem(), p.name(), p.version(),
                p.sourceName(), p.purl())).containsExactly(
                        "Alpine:v3.20 libcrypto3 3.3.1-r0 openssl pkg:apk/alpine/libcrypto3@3.3.1-r0?arch=x86_64&distro=alpine-3.20",
                        "Alpine:v3.20 musl 1.2.5-r0 musl pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20");
    }

    @Test
    void distrolessStatusDirectoryHasOneParagraphPerFile() throws IOException {
        Inventory inv = read(
                file("var/lib/dpkg/status.d/base-files", "Package: base-files\nVersion: 12.4+deb12u5\n"
                        + "Architecture: amd64\nMaintainer: x\n"),
                file("var/lib/dpkg/status.d/libssl3", "Package: libssl3\nSource: openssl (3.0.11-1~deb12u2)\n"
                        + "Version: 3.0.11-1~deb12u2\nArchitecture: amd64\n"),
                file("var/lib/dpkg/status.d/libssl3.md5sums", "d41d8cd98f00b204e9800998ecf8427e  usr/lib/x\n"),
                file("etc/os-release", "PRETTY_NAME=\"Distroless\"\nID=debian\nVERSION_ID=\"12\"\n"));
        assertThat(inv.installed()).extracting(p -> p.name() + " " + p.version() + " " + p.sourceName() + " "
                + p.ecosystem()).containsExactly("base-files 12.4+deb12u5 base-files Debian:12",
                        "libssl3 3.0.11-1~deb12u2 openssl Debian:12");
    }

    @Test
    void osReleaseOfEachDistributionNamesItsOsvEcosystem() {
        assertThat(eco("ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\n"))
                .isEqualTo("Ubuntu:22.04:LTS");
        assertThat(eco("ID=ubuntu\nVERSION_ID=\"23.10\"\nVERSION=\"23.10 (Mantic Minotaur)\"\n"))
                .isEqualTo("Ubuntu:23.10");
        assertThat(eco("ID=\"rocky\"\nVERSION_ID=\"9.3\"\n")).isEqualTo("Rocky Linux:9");
        assertThat(eco("ID=\"almalinux\"\nVERSION_ID=\"9.4\"\n")).isEqualTo("AlmaLinux:9");
        assertThat(eco("ID=\"rhel\"\nVERSION_ID=\"8.10\"\n")).isEqualTo("Red Hat:enterprise_linux:8");
        assertThat(eco("ID=debian\nVERSION_ID=\"11\"\n")).isEqualTo("Debian:11");
        assertThat(eco("ID=wolfi\nVERSION_ID=\"20230201\"\n")).isEqualTo("Wolfi");
        assertThat(eco("ID=fedora\nVERSION_ID=40\n")).isNull();
    }

    private static String eco(String osRelease) {
        Map<String, String> fields = TextDatabases.osRelease(osRelease);
        return Distro.of(fields).ecosystem();
    }

    @Test
    void aHardLinkToAJarIsThatJarAgainAndLongNamesSurvive() throws IOException {
        Path jar = Path.of(System.getProperty("user.home"), ".m2/repository/org/apache/commons/commons-compress/1.28.0/"
                + "commons-compress-1.28.0.jar");
        String deep = "opt/" + "very-long-directory-name/".repeat(8) + "commons-compress-1.28.0.jar";
        Inventory inv = read(file(deep, Files.readAllBytes(jar), 0644), hardlink("app/lib/cc.jar", deep));
        assertThat(inv.installed()).extracting(p -> p.path() + " " + p.name())
                .containsExactlyInAnyOrder("/app/lib/cc.jar org.apache.commons:commons-compress",
                        "/" + deep + " org.apache.commons:commons-compress");
    }

    @Test
    void aFileOverTheCapOrUnreadableIsSkippedWithItsReasonAndTheRestIsRead() throws IOException {
        byte[] huge = new byte[LayerScanner.MAX_BUFFERED + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        Inventory inv = read(file("srv/node_modules/huge/package.json", huge, 0644),
                file("srv/app.jar", java.util.Arrays.copyOf(Files.readAllBytes(Path.of(System.getProperty("user.home"),
                        ".m2/repository/org/apache/commons/commons-compress/1.28.0/commons-compress-1.28.0.jar")),
                        100_000), 0644), // cut short
                file("srv/node_modules/ok/package.json", "{\"name\":\"ok\",\"version\":\"1.0.0\"}"));
        assertThat(inv.installed()).extracting(p -> p.name() + "@" + p.version()).containsExactly("ok@1.0.0");
        assertThat(inv.skipped()).hasSize(2).anySatisfy(s -> assertThat(s)
                .startsWith("srv/node_modules/huge/package.json: ").contains("over the cap of " + LayerScanner.MAX_BUFFERED))
                .anySatisfy(s -> assertThat(s).startsWith("srv/app.jar: jar unreadable"));
    }

    @Test
    void pep503Names() {
        assertThat(TextDatabases.pep503("Friendly-Bard")).isEqualTo("friendly-bard");
        assertThat(TextDatabases.pep503("FRIENDLY__bard")).isEqualTo("friendly-bard");
        assertThat(TextDatabases.pep503("friendly.-_bard")).isEqualTo("friendly-bard");
        assertThat(TextDatabases.pep503("zope.interface")).isEqualTo("zope-interface");
    }
}
