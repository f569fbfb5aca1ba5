package io.berth.scan.inventory;

import static io.berth.scan.inventory.TestLayers.file;
import static io.berth.scan.inventory.TestLayers.tree;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rpm's sqlite database as Debian's rpm tool writes it: packages built with rpmbuild, installed with
 * {@code --justdb}; the layer's reading equals {@code rpm -qa} on the same database.
 */
class RpmDatabaseTest {

    private static final String QUERY = "%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n";
    private static final String ROCKY = "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\n"
            + "ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\n";

    @TempDir
    Path dir;

    private Path build(String name, String epoch, String version, String release, String subpackage)
            throws IOException {
        Path top = dir.resolve("top-" + name);
        String spec = "Name: " + name + "\nVersion: " + version + "\nRelease: " + release + "\n"
                + (epoch == null ? "" : "Epoch: " + epoch + "\n")
                + "Summary: a package for Berth's tests\nLicense: MIT\nBuildArch: noarch\n%description\nempty\n%files\n"
                + (subpackage == null ? "" : "%package -n " + subpackage + "\nSummary: sub\n%description -n "
                        + subpackage + "\nsub\n%files -n " + subpackage + "\n");
        Path specFile = dir.resolve(name + ".spec");
        Files.writeString(specFile, spec);
        TestLayers.run(List.of("rpmbuild", "-bb", "--define", "_topdir " + top, specFile.toString()));
        try (Stream<Path> rpms = Files.walk(top.resolve("RPMS"))) {
            List<Path> built = rpms.filter(p -> p.toString().endsWith(".rpm")).toList();
            assertThat(built).isNotEmpty();
            return built.get(0).getParent();
        }
    }

    private void install(Path db, Path rpmDir) throws IOException {
        try (Stream<Path> rpms = Files.list(rpmDir)) {
            List<String> cmd = new ArrayList<>(List.of("rpm", "-i", "--nodeps", "--justdb", "--dbpath", db.toString()));
            rpms.forEach(p -> cmd.add(p.toString()));
            TestLayers.run(cmd);
        }
    }

    private static List<String> rpmQa(Path db) throws IOException {
        return TestLayers.run(List.of("rpm", "-qa", "--dbpath", db.toString(), "--qf", QUERY)).lines()
                .filter(l -> !l.startsWith("gpg-pubkey\t")).sorted().toList();
    }

    private static List<String> lines(Inventory inv) {
        return inv.packages().stream().filter(i -> i.kind() == PackageKind.RPM)
                .map(i -> i.pkg().name() + "\t" + i.pkg().version() + "\t" + i.arch()).sorted().toList();
    }

    @Test
    void rpmsSqliteDatabaseReadsAsRpmQaSays() throws IOException {
        assertThat(TestLayers.run(List.of("rpm", "--eval", "%_db_backend")).strip()).isEqualTo("sqlite");
        Path db = Files.createDirectories(dir.resolve("db"));
        TestLayers.run(List.of("rpm", "--initdb", "--dbpath", db.toString()));
        install(db, build("berth-tiny", "2", "1.2.3", "4.el9", "berth-tiny-libs"));
        install(db, build("berth-plain", null, "0.9~rc1", "1", null));
        List<String> expected = rpmQa(db);
        assertThat(expected).containsExactlyInAnyOrder("berth-tiny\t2:1.2.3-4.el9\tnoarch",
                "berth-tiny-libs\t2:1.2.3-4.el9\tnoarch", "berth-plain\t0.9~rc1-1\tnoarch");

        // The database directory as rpm left it (rpmdb.sqlite, and its -wal and -shm files where rpm keeps them).
        Path layer = TestLayers.gzip(TestLayers.tar(dir.resolve("rpm.tar"), file("etc/os-release", ROCKY),
                tree(db, "var/lib/rpm")));
        ImageInventory inventory = new ImageInventory(new LayerScanner(dir), null);
        Inventory inv = inventory.read(List.of(TestLayers.layer(layer)));
        assertThat(lines(inv)).isEqualTo(expected);
        assertThat(inv.installed()).filteredOn(p -> p.name().equals("berth-tiny-libs")).singleElement()
                .satisfies(p -> {
                    assertThat(p.sourceName()).isEqualTo("berth-tiny");
                    assertThat(p.ecosystem()).isEqualTo("Rocky Linux:9");
                    assertThat(p.purl()).isEqualTo(
                            "pkg:rpm/rocky/berth-tiny-libs@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2");
                    assertThat(p.path()).isEqualTo("/var/lib/rpm/rpmdb.sqlite");
                });
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("berth-rpmdb-"));
        }

        // A later layer with the database after another install replaces the first one.
        install(db, build("berth-later", null, "5", "1", null));
        Path later = TestLayers.zstd(TestLayers.tar(dir.resolve("later.tar"), tree(db, "var/lib/rpm")));
        assertThat(lines(inventory.read(List.of(TestLayers.layer(layer), TestLayers.layer(later)))))
                .isEqualTo(rpmQa(db)).hasSize(4);
    }

    @Test
    void rpmsBerkeleyDbDatabaseReadsAsRpmQaSays() throws IOException, java.sql.SQLException {
        // rpm before 4.16 kept Packages in Berkeley DB; Debian's rpm still reads it (bdb_ro). The same headers as a
        // sqlite database made by rpm, loaded into a Berkeley DB hash by db_load as rpm laid them out: the header
        // number (host order) to the header blob, and record 0 holding the last header number.
        Path db = Files.createDirectories(dir.resolve("db"));
        TestLayers.run(List.of("rpm", "--initdb", "--dbpath", db.toString()));
        install(db, build("berth-tiny", "2", "1.2.3", "4.el8", "berth-tiny-libs"));
        install(db, build("berth-plain", null, "0.9", "1", null));
        StringBuilder dump = new StringBuilder("VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n");
        int last = 0;
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db.resolve("rpmdb.sqlite"));
                var rs = c.createStatement().executeQuery("SELECT hnum, blob FROM Packages")) {
            while (rs.next()) {
                last = Math.max(last, rs.getInt(1));
                dump.append(' ').append(le(rs.getInt(1))).append("\n ")
                        .append(java.util.HexFormat.of().formatHex(rs.getBytes(2))).append('\n');
            }
        }
        dump.append(' ').append(le(0)).append("\n ").append(le(last)).append("\nDATA=END\n");
        Path bdb = Files.createDirectories(dir.resolve("bdb"));
        Files.writeString(dir.resolve("dump.txt"), dump);
        TestLayers.run(List.of("db_load", "-f", dir.resolve("dump.txt").toString(), bdb.resolve("Packages").toString()));
        List<String> expected = TestLayers.run(List.of("rpm", "-qa", "--dbpath", bdb.toString(), "--define",
                "_db_backend bdb_ro", "--qf", QUERY)).lines().sorted().toList();
        assertThat(expected).hasSize(3).isEqualTo(rpmQa(db));

        Path layer = TestLayers.gzip(TestLayers.tar(dir.resolve("bdb.tar"), file("etc/os-release", ROCKY),
                file("var/lib/rpm/Packages", Files.readAllBytes(bdb.resolve("Packages")), 0644)));
        Inventory inv = new ImageInventory(new LayerScanner(dir), null).read(List.of(TestLayers.layer(layer)));
        assertThat(lines(inv)).isEqualTo(expected);
        assertThat(inv.skipped()).isEmpty();
        assertThat(inv.installed()).filteredOn(p -> p.name().equals("berth-tiny-libs")).singleElement()
                .satisfies(p -> assertThat(p.sourceName()).isEqualTo("berth-tiny"));
    }

    private static String le(int n) {
        return java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(n).array());
    }

    @Test
    void sourceRpmNames() {
        assertThat(RpmDatabase.sourceName("glibc-2.34-60.el9.src.rpm")).isEqualTo("glibc");
        assertThat(RpmDatabase.sourceName("python-requests-2.25.1-8.el9.src.rpm")).isEqualTo("python-requests");
        assertThat(RpmDatabase.sourceName("(none)")).isNull();
    }
}
