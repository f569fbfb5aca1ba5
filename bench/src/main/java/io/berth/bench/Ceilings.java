package io.berth.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** What this machine can do at best, measured in the same run as the servers: the ceilings the targets cite. */
final class Ceilings {
    private static final int IO_BUFFER = 1 << 20;

    private Ceilings() {}

    /**
     * A measured rate and the CPU it took: this process's CPU time (all threads; both ends of a loopback transfer
     * are in it) per GiB moved. With the cores, the CPU per byte of each ceiling bounds what a server that must do
     * the same work on these shared cores can reach.
     */
    record Rate(double mbPerSecond, double cpuSecondsPerGiB) {
        static Rate of(long bytes, double seconds, double cpuSeconds) {
            return new Rate(bytes / 1e6 / seconds, cpuSeconds * (1L << 30) / bytes);
        }
    }

    /** TCP over loopback: streams connections each sending totalBytes/streams from memory to a reader that discards. */
    static Rate loopback(long totalBytes, int streams) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            long perStream = totalBytes / streams;
            ExecutorService threads = Executors.newFixedThreadPool(streams * 2);
            try {
                List<Future<Long>> readers = new ArrayList<>();
                List<SocketChannel> clients = new ArrayList<>();
                for (int i = 0; i < streams; i++) {
                    clients.add(SocketChannel.open(server.getLocalAddress()));
                    SocketChannel accepted = server.accept();
                    readers.add(threads.submit(() -> drain(accepted)));
                }
                long start = System.nanoTime();
                long cpu = Meter.generatorCpuNanos();
                List<Future<?>> writers = new ArrayList<>();
                for (SocketChannel client : clients) {
                    writers.add(threads.submit(() -> {
                        fill(client, perStream);
                        return null;
                    }));
                }
                long received = 0;
                for (Future<?> w : writers) {
                    w.get(300, TimeUnit.SECONDS);
                }
                for (Future<Long> r : readers) {
                    received += r.get(300, TimeUnit.SECONDS);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                return Rate.of(received, seconds, (Meter.generatorCpuNanos() - cpu) / 1e9);
            } finally {
                threads.shutdownNow();
            }
        }
    }

    private static void fill(SocketChannel channel, long bytes) throws IOException {
        try (channel) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(IO_BUFFER);
            long left = bytes;
            while (left > 0) {
                buffer.clear().limit((int) Math.min(IO_BUFFER, left));
                while (buffer.hasRemaining()) {
                    left -= channel.write(buffer);
                }
            }
        }
    }

    private static long drain(SocketChannel channel) throws IOException {
        try (channel) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(IO_BUFFER);
            long total = 0;
            for (int n; (n = channel.read(buffer.clear())) >= 0; ) {
                total += n;
            }
            return total;
        }
    }

    /** SHA-256 on one core (the JDK's, as Berth uses), over a buffer hashed repeatedly in 64 KiB updates. */
    static double sha256MBps(long totalBytes) {
        byte[] data = new byte[64 * 1024];
        ThreadLocalRandom.current().nextBytes(data);
        MessageDigest sha = Http.newSha256();
        // Warm up so the JIT uses the SHA intrinsics before the clock starts.
        for (int i = 0; i < 2000; i++) {
            sha.update(data);
        }
        sha.digest();
        long rounds = Math.max(1, totalBytes / data.length);
        long start = System.nanoTime();
        for (long i = 0; i < rounds; i++) {
            sha.update(data);
        }
        sha.digest();
        double seconds = (System.nanoTime() - start) / 1e9;
        return rounds * data.length / 1e6 / seconds;
    }

    /**
     * Disk writes as the push workload makes them: streams threads, each writing its share of blobs blobs of
     * blobBytes to a temp file in 1 MiB writes, fsync, rename, fsync of the directory. The files stay (in a new
     * directory under dir, which the run deletes at its end), as pushed blobs stay.
     *
     * <p>Where the page cache grows decides what a write costs on this VM (bench/NOTES.md, Push): into memory the
     * guest freed moments before, about 0.3 CPU-s per GiB; into memory it has not used lately, about 2.4, as the
     * hypervisor backs each page again on first touch. With usedMemory the measured writes follow {@link #reuseMemory}
     * of twice their bytes, as every measured push does; without it they follow as many bytes written the same way
     * and kept, so they land in memory nothing used just before.
     */
    static Rate disk(Path dir, int blobs, int blobBytes, int streams, boolean usedMemory) throws Exception {
        Path work = Files.createTempDirectory(dir, "disk-ceiling-");
        ExecutorService threads = Executors.newFixedThreadPool(streams);
        try {
            ByteBuffer source = randomBuffer();
            if (usedMemory) {
                reuseMemory(dir, 2L * blobs * blobBytes);
            } else {
                writeBlobs(threads, work, blobs, blobs, blobBytes, source);
            }
            long start = System.nanoTime();
            long cpu = Meter.generatorCpuNanos();
            writeBlobs(threads, work, 0, blobs, blobBytes, source);
            double seconds = (System.nanoTime() - start) / 1e9;
            return Rate.of((long) blobs * blobBytes, seconds, (Meter.generatorCpuNanos() - cpu) / 1e9);
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Writes bytes to a scratch file under dir, unsynced, and deletes it: the page cache's next bytes then take
     * memory the guest has just used. This VM's balloon device hands free guest memory back to the host (free page
     * reporting, in 2 MiB blocks), and the first touch of such a page costs the guest about 8 µs; a machine whose
     * memory has been in use for a while (a registry's page cache fills it) reuses pages instead. Measured pushes
     * and the disk ceiling they are held to start from the same state this way, whatever ran before them.
     */
    static void reuseMemory(Path dir, long bytes) throws IOException {
        Path scratch = Files.createTempFile(dir, "reuse-memory-", ".tmp");
        try (FileChannel channel = FileChannel.open(scratch, StandardOpenOption.WRITE)) {
            writeRepeated(channel, randomBuffer(), bytes);
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /** Writes bytes to channel in writes of up to source's capacity, repeating source (which it leaves as it is). */
    private static void writeRepeated(FileChannel channel, ByteBuffer source, long bytes) throws IOException {
        for (long left = bytes; left > 0; ) {
            ByteBuffer chunk = source.duplicate();
            chunk.limit((int) Math.min(chunk.capacity(), left));
            while (chunk.hasRemaining()) {
                left -= channel.write(chunk);
            }
        }
    }

    private static ByteBuffer randomBuffer() {
        ByteBuffer source = ByteBuffer.allocateDirect(IO_BUFFER);
        byte[] random = new byte[IO_BUFFER];
        ThreadLocalRandom.current().nextBytes(random);
        return source.put(random).flip();
    }

    private static void writeBlobs(ExecutorService threads, Path dir, int first, int count, int bytes, ByteBuffer source)
            throws Exception {
        List<Future<?>> writes = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            int index = i;
            writes.add(threads.submit(() -> {
                writeBlob(dir, index, bytes, source.duplicate());
                return null;
            }));
        }
        for (Future<?> f : writes) {
            f.get(600, TimeUnit.SECONDS);
        }
    }

    private static void writeBlob(Path dir, int index, int bytes, ByteBuffer source) throws IOException {
        Path temp = dir.resolve("upload-" + index);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeRepeated(channel, source, bytes);
            channel.force(true);
        }
        Files.move(temp, dir.resolve("blob-" + index), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
