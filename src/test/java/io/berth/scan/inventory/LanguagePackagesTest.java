package io.berth.scan.inventory;

import static io.berth.scan.inventory.TestLayers.file;
import static io.berth.scan.inventory.TestLayers.tree;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.scan.InstalledPackage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Language packages in layers, against real artefacts and their own tools: jars of the local Maven repository (and a
 * Spring Boot style fat jar made of them), the Python distributions Debian installed (read back by Python's
 * importlib.metadata), npm's own node_modules tree (listed by {@code npm ls}), and Go binaries (a program built here,
 * Debian's skopeo) against {@code go version -m}.
 */
class LanguagePackagesTest {

    private static final Path M2 = Path.of(System.getProperty("user.home"), ".m2", "repository");

    @TempDir
    Path dir;

    private Inventory read(TestLayers.Item... items) throws IOException {
        Path layer = TestLayers.gzip(TestLayers.tar(Files.createTempFile(dir, "layer", ".tar"), items));
        return new ImageInventory(new LayerScanner(dir), null).read(List.of(TestLayers.layer(layer)));
    }

    private static List<String> lines(Inventory inv, PackageKind kind) {
        return inv.packages().stream().filter(i -> i.kind() == kind)
                .map(i -> i.pkg().name() + "@" + i.pkg().version()).sorted().toList();
    }

    private static Path m2(String group, String artifact, String version) {
        Path jar = M2.resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
                .resolve(artifact + "-" + version + ".jar");
        assertThat(jar).as("in the local Maven repository").exists();
        return jar;
    }

    @Test
    void jarsAndAFatJarOfTheLocalMavenRepository() throws IOException {
        Path compress = m2("org.apache.commons", "commons-compress", "1.28.0");
        Path databind = m2("com.fasterxml.jackson.core", "jackson-databind", "2.23.0");
        Path zstd = m2("com.github.luben", "zstd-jni", "1.6.0-1"); // no pom.properties: its manifest names it

        // A Spring Boot style fat jar: its own coordinates, nested jars stored (not deflated) under BOOT-INF/lib,
        // and a jar nested two deep.
        byte[] inner = zip(List.of(new Entry("lib/" + databind.getFileName(), Files.readAllBytes(databind), true)));
        byte[] fat = zip(List.of(
                new Entry("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: x.Y\n".getBytes(), false),
                new Entry("META-INF/maven/com.example/app/pom.properties",
                        "groupId=com.example\nartifactId=app\nversion=3.1.4\n".getBytes(), false),
                new Entry("BOOT-INF/classes/x/Y.class", new byte[] {1, 2, 3}, false),
                new Entry("BOOT-INF/lib/" + compress.getFileName(), Files.readAllBytes(compress), true),
                new Entry("BOOT-INF/lib/" + zstd.getFileName(), Files.readAllBytes(zstd), true),
                new Entry("BOOT-INF/lib/inner.jar", inner, true)));
        Inventory inv = read(
                file("opt/lib/" + compress.getFileName(), Files.readAllBytes(compress), 0644),
                file("opt/lib/" + databind.getFileName(), Files.readAllBytes(databind), 0644),
                file("opt/lib/" + zstd.getFileName(), Files.readAllBytes(zstd), 0644),
                file("app/app.jar", fat, 0644));

        assertThat(inv.packages()).filteredOn(i -> i.pkg().path().startsWith("/opt/lib/"))
                .extracting(i -> i.pkg().name() + "@" + i.pkg().version()).containsExactlyInAnyOrder(
                        "org.apache.commons:commons-compress@1.28.0",
                        "com.fasterxml.jackson.core:jackson-databind@2.23.0",
                        "com.github.luben:zstd-jni@1.6.0-1");
        assertThat(inv.installed()).filteredOn(p -> p.path().startsWith("/app/app.jar"))
                .extracting(p -> p.name() + "@" + p.version() + " " + p.path()).containsExactlyInAnyOrder(
                        "com.example:app@3.1.4 /app/app.jar",
                        "org.apache.commons:commons-compress@1.28.0 /app/app.jar!/BOOT-INF/lib/commons-compress-1.28.0.jar",
                        "com.github.luben:zstd-jni@1.6.0-1 /app/app.jar!/BOOT-INF/lib/zstd-jni-1.6.0-1.jar",
                        "com.fasterxml.jackson.core:jackson-databind@2.23.0 "
                                + "/app/app.jar!/BOOT-INF/lib/inner.jar!/lib/jackson-databind-2.23.0.jar");
        InstalledPackage c = inv.installed().get(0);
        assertThat(inv.installed()).allSatisfy(p -> assertThat(p.ecosystem()).isEqualTo("Maven"));
        assertThat(inv.installed()).extracting(InstalledPackage::purl)
                .contains("pkg:maven/org.apache.commons/commons-compress@1.28.0", "pkg:maven/com.example/app@3.1.4");
        assertThat(c.sourceName()).isEqualTo(c.name());
    }

    @Test
    void debiansPythonDistributionsReadAsImportlibMetadataSays() throws IOException {
        Path site = Path.of("/usr/lib/python3/dist-packages");
        List<TestLayers.Item> items = new ArrayList<>();
        try (Stream<Path> entries = Files.list(site)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().matches(".*\\.(dist|egg)-info")).toList()) {
                items.add(tree(p, "usr/lib/python3/dist-packages/" + p.getFileName()));
            }
        }
        String script = "import importlib.metadata as m, re\n"
                + "for d in m.distributions(path=['" + site + "']):\n"
                + "    print(re.sub(r'[-_.]+', '-', d.metadata['Name']).lower() + '@' + d.version)\n";
        List<String> expected = TestLayers.run(List.of("/usr/bin/python3", "-c", script)).lines().sorted().toList();
        assertThat(expected).hasSizeGreaterThan(5);
        Inventory inv = read(items.toArray(TestLayers.Item[]::new));
        assertThat(lines(inv, PackageKind.PYPI)).isEqualTo(expected);
        assertThat(inv.installed()).allSatisfy(p -> {
            assertThat(p.ecosystem()).isEqualTo("PyPI");
            assertThat(p.purl()).startsWith("pkg:pypi/" + p.name() + "@");
        });
    }

    @Test
    void npmsOwnNodeModulesTreeReadsAsNpmLsSays() throws IOException {
        Path npm = Path.of("/usr/lib/node_modules/npm");
        List<String> expected = TestLayers.run(List.of("npm", "ls", "--all", "--parseable", "--long", "--omit=dev"), npm).lines()
                .map(l -> l.substring(l.indexOf(':') + 1))
                .map(l -> l.indexOf(':') > 0 ? l.substring(0, l.indexOf(':')) : l).sorted().toList();
        assertThat(expected).hasSizeGreaterThan(50);
        Inventory inv = read(tree(npm, "usr/lib/node_modules/npm"),
                file("srv/node_modules/pkg/lib/package.json", "{\"name\":\"not-a-package\",\"version\":\"1.0.0\"}"));
        assertThat(lines(inv, PackageKind.NPM)).isEqualTo(expected);
        assertThat(inv.installed()).extracting(InstalledPackage::purl).contains("pkg:npm/%40npmcli/arborist@"
                + expected.stream().filter(l -> l.startsWith("@npmcli/arborist@")).findFirst().orElseThrow()
                        .substring("@npmcli/arborist@".length()));
    }

    @Test
    void goBinariesBuildInformationReadsAsGoVersionSays() throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/app"));
        Path dep = Files.createDirectories(dir.resolve("src/dep"));
        Files.writeString(dep.resolve("go.mod"), "module example.com/dep\n\ngo 1.19\n");
        Files.writeString(dep.resolve("dep.go"), "package dep\n\nfunc Hello() string { return \"hello\" }\n");
        Files.writeString(src.resolve("go.mod"), "module example.com/app\n\ngo 1.19\n\nrequire example.com/dep v1.2.3\n"
                + "\nreplace example.com/dep => ../dep\n");
        Files.writeString(src.resolve("main.go"), "package main\n\nimport (\n\t\"fmt\"\n\t\"example.com/dep\"\n)\n\n"
                + "func main() { fmt.Println(dep.Hello()) }\n");
        Path bin = dir.resolve("app");
        TestLayers.run(List.of("env", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOCACHE=" + dir.resolve("gocache"),
                "GOPATH=" + dir.resolve("gopath"), "go", "build", "-o", bin.toString(), "."), src);
        Path skopeo = Path.of("/usr/bin/skopeo");

        Inventory inv = read(file("usr/local/bin/app", Files.readAllBytes(bin), 0755),
                file("usr/bin/skopeo", Files.readAllBytes(skopeo), 0755));
        assertThat(inv.installed()).filteredOn(p -> p.path().equals("/usr/local/bin/app"))
                .extracting(p -> p.name() + "@" + p.version()).containsExactlyInAnyOrderElementsOf(goVersionM(bin));
        assertThat(inv.installed()).filteredOn(p -> p.path().equals("/usr/bin/skopeo"))
                .extracting(p -> p.name() + "@" + p.version()).containsExactlyInAnyOrderElementsOf(goVersionM(skopeo));
        assertThat(inv.installed()).extracting(InstalledPackage::purl).contains("pkg:golang/example.com/dep@v1.2.3");
        assertThat(inv.installed()).allSatisfy(p -> assertThat(p.ecosystem()).isEqualTo("Go"));
    }

    /** What {@code go version -m} says a binary holds: stdlib at its Go version, the versioned modules. */
    private static List<String> goVersionM(Path bin) throws IOException {
        List<String> out = new ArrayList<>();
        String text = TestLayers.run(List.of("go", "version", "-m", bin.toString()));
        for (String line : text.lines().toList()) {
            String[] f = line.strip().split("\t");
            if (line.startsWith(bin + ": go")) {
                out.add("stdlib@v" + line.substring((bin + ": go").length()).strip());
            } else if ((f[0].equals("mod") || f[0].equals("dep")) && f.length >= 3 && !f[2].equals("(devel)")) {
                out.add(f[1] + "@" + f[2]);
            } else if (f[0].equals("=>") && f.length >= 3 && !f[2].equals("(devel)")) {
                out.set(out.size() - 1, f[1] + "@" + f[2]); // a replacement by another module version
            }
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    private record Entry(String name, byte[] content, boolean stored) {
    }

    private static byte[] zip(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Entry e : entries) {
                ZipEntry z = new ZipEntry(e.name());
                if (e.stored()) {
                    CRC32 crc = new CRC32();
                    crc.update(e.content());
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(e.content().length);
                    z.setCompressedSize(e.content().length);
                    z.setCrc(crc.getValue());
                }
                zip.putNextEntry(z);
                zip.write(e.content());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
