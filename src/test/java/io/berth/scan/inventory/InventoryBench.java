package io.berth.scan.inventory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Layer reading throughput: {@code InventoryBench LAYER [ROUNDS]} reads the layer (gzip, zstd or plain) with the
 * inventory's {@link LayerScanner} ROUNDS times on one thread, and as often only decompressing it, and prints MB/s of
 * the layer's stored (compressed) bytes per second of the thread's CPU time (per core: the machine is shared), and
 * per second of wall time. Run by bench/scan-inventory.sh.
 */
public final class InventoryBench {

    private InventoryBench() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long size = Files.size(file);
        Layer layer = new Layer("sha256:bench", "", () -> Files.newInputStream(file));
        LayerScanner scanner = new LayerScanner(null);
        var cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < rounds; i++) {
            long c = cpu.getCurrentThreadCpuTime();
            long d = decompressOnly(file);
            double dc = (cpu.getCurrentThreadCpuTime() - c) / 1e9;
            long t = System.nanoTime();
            c = cpu.getCurrentThreadCpuTime();
            LayerFindings f = scanner.scan(layer);
            double s = (System.nanoTime() - t) / 1e9;
            double sc = (cpu.getCurrentThreadCpuTime() - c) / 1e9;
            System.out.printf("round %d: decompress only %.0f MB/s per core (%d MB out); scan %.0f MB/s per core"
                    + " (%.2f s CPU, %.2f s wall, %.0f MB/s wall): %d files of interest, %d packages, %.1f MB%n",
                    i + 1, size / dc / 1e6, d >> 20, size / sc / 1e6, sc, s, size / s / 1e6, f.files().size(),
                    f.packageCount(), size / 1e6);
        }
        Inventory inv = ImageInventory.merge(List.of(scanner.scan(layer)));
        System.out.println("distro: " + inv.distro() + ", packages: " + inv.packages().size());
    }

    private static long decompressOnly(Path file) throws IOException {
        try (InputStream in = LayerScanner.decompress(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }
}
