package io.berth.scan.inventory;

import io.berth.scan.InstalledPackage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An image's inventory from its layers: each layer's findings (from the cache, else read once and cached), applied in
 * order as a union filesystem would: a layer's whiteouts and opaque directories remove what the layers below wrote,
 * then its own files of interest are laid on top. The packages of the files left, with the distribution of the
 * os-release left ({@code etc/os-release}, else {@code usr/lib/os-release}), make the inventory.
 */
public final class ImageInventory {

    private final LayerScanner scanner;
    private final LayerCache cache;

    public ImageInventory(LayerScanner scanner, LayerCache cache) {
        this.scanner = scanner;
        this.cache = cache;
    }

    /** The findings of one layer: cached, or read now (and cached). */
    public LayerFindings findings(Layer layer) throws IOException {
        LayerFindings found = cache == null ? null : cache.get(layer.digest());
        if (found == null) {
            found = scanner.scan(layer);
            if (cache != null) {
                cache.put(found);
            }
        }
        return found;
    }

    /** The inventory of the image whose layers, bottom first, are {@code layers}. */
    public Inventory read(List<Layer> layers) throws IOException {
        List<LayerFindings> findings = new ArrayList<>();
        for (Layer layer : layers) {
            findings.add(findings(layer));
        }
        return merge(findings);
    }

    private record Placed(FileFindings file, String layerDigest) {
    }

    /** The inventory of layers' findings applied in order, bottom first. */
    public static Inventory merge(List<LayerFindings> layers) {
        NavigableMap<String, Placed> fs = new TreeMap<>();
        for (LayerFindings layer : layers) {
            for (String dir : layer.opaqueDirs()) {
                removeUnder(fs, dir);
            }
            for (String path : layer.whiteouts()) {
                fs.remove(path);
                removeUnder(fs, path);
            }
            for (Map.Entry<String, FileFindings> e : layer.files().entrySet()) {
                fs.put(e.getKey(), new Placed(e.getValue(), layer.digest()));
            }
        }
        Distro distro = null;
        for (String osRelease : List.of("etc/os-release", "usr/lib/os-release")) {
            Placed p = fs.get(osRelease);
            if (distro == null && p != null && p.file().osRelease() != null) {
                distro = Distro.of(p.file().osRelease());
            }
        }
        List<Inventory.Item> items = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<String, Placed> e : fs.entrySet()) {
            FileFindings file = e.getValue().file();
            if (file.skipped() != null && file.osRelease() == null && !file.skipped().startsWith("symbolic link")) {
                skipped.add(e.getKey() + ": " + file.skipped());
            }
            for (FoundPackage p : file.packages()) {
                String ecosystem = ecosystem(p.kind(), distro);
                String path = "/" + (p.location() == null ? e.getKey() : p.location());
                InstalledPackage pkg = new InstalledPackage(ecosystem, p.name(), p.version(), p.sourceName(),
                        Purls.of(p, distro), path);
                items.add(new Inventory.Item(pkg, p.kind(), p.arch(), e.getValue().layerDigest(), p.sourceVersion()));
            }
        }
        items.sort(Comparator.comparing((Inventory.Item i) -> i.pkg().path()).thenComparing(i -> i.pkg().name())
                .thenComparing(i -> i.pkg().version()));
        return new Inventory(distro, items, skipped);
    }

    private static String ecosystem(PackageKind kind, Distro distro) {
        return switch (kind) {
            case MAVEN -> "Maven";
            case PYPI -> "PyPI";
            case NPM -> "npm";
            case GO -> "Go";
            default -> distro != null && distro.ecosystem() != null ? distro.ecosystem()
                    : Distro.fallbackEcosystem(kind);
        };
    }

    private static void removeUnder(NavigableMap<String, Placed> fs, String dir) {
        if (dir.isEmpty()) {
            fs.clear();
            return;
        }
        fs.subMap(dir + "/", true, dir + "0", false).clear(); // '0' follows '/': every path under dir
    }
}
