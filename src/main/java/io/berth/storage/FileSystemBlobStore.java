package io.berth.storage;

import io.berth.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * Blobs as files under {@code root/blobs/<algorithm>/<first two hex>/<hex>}, uploads under
 * {@code root/uploads/<id>}. Every path is built from a validated {@link Digest} or an upload id checked here,
 * so no request can reach outside root.
 */
public final class FileSystemBlobStore implements BlobStore {
    private static final Pattern UPLOAD_ID = Pattern.compile("[a-zA-Z0-9-]{1,64}");
    /**
     * Bytes an upload receives between flushes that start writing it to disk while it is still arriving. Without
     * them the kernel keeps a whole layer in memory until the commit's fsync, which then waits for all of it with the
     * stream idle; with them the commit waits for the tail. A 4-stream push of 64 MiB layers here went from 1,133 to
     * 1,343 MB/s (8 MiB: 1,282; 32 MiB: 1,163; bench/NOTES.md, Push).
     */
    static final long WRITEBACK_EVERY = 16L << 20;
    /**
     * Early flushes running at once, over all uploads: each holds a virtual thread's carrier in fsync. When all are
     * taken an upload goes on without one (its commit's fsync then writes more), so many parallel pushes cannot pile
     * up blocked threads.
     */
    private static final int EARLY_FLUSHES = 8;

    private final Path blobs;
    private final Path uploads;
    private final Path staging;
    private final Path locks;
    private final Path quarantine;
    /** In-process half of the digest locks (a file lock is held per process, not per thread); striped by digest. */
    private final java.util.concurrent.locks.ReentrantLock[] stripes = new java.util.concurrent.locks.ReentrantLock[256];
    /** Early flushes of the uploads appended to since they were created; an entry ends with its commit or delete. */
    private final ConcurrentHashMap<String, Writeback> writebacks = new ConcurrentHashMap<>();
    private final Semaphore earlyFlushes = new Semaphore(EARLY_FLUSHES);
    /** The server's reserve on the data directory's filesystem; null for command-line runs, which hold none. */
    private final DiskReserve reserve;
    private final Path root;

    @Override
    public String toString() {
        return "FileSystemBlobStore[" + root + "]";
    }

    public FileSystemBlobStore(Path root) throws IOException {
        this(root, null);
    }

    /** A store whose writes release reserve when the disk fills up, and are refused while it is full. */
    public FileSystemBlobStore(Path root, DiskReserve reserve) throws IOException {
        this.root = root;
        this.reserve = reserve;
        this.blobs = Files.createDirectories(root.resolve("blobs"));
        this.uploads = Files.createDirectories(root.resolve("uploads"));
        this.staging = Files.createDirectories(root.resolve("staging"));
        this.locks = Files.createDirectories(root.resolve("locks"));
        this.quarantine = root.resolve("quarantine");
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new java.util.concurrent.locks.ReentrantLock();
        }
    }

    @Override
    public AutoCloseable lock(Digest digest) throws IOException {
        int stripe = Integer.parseInt(digest.hex().substring(0, 2), 16);
        stripes[stripe].lock();
        try {
            FileChannel channel = FileChannel.open(locks.resolve(stripe + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            java.nio.channels.FileLock fileLock;
            try {
                fileLock = channel.lock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return () -> {
                try {
                    fileLock.release();
                    channel.close();
                } finally {
                    stripes[stripe].unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            stripes[stripe].unlock();
            throw e;
        }
    }

    Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    private Path uploadPath(String uploadId) {
        if (!UPLOAD_ID.matcher(uploadId).matches()) {
            throw new IllegalArgumentException("invalid upload id");
        }
        return uploads.resolve(uploadId);
    }

    @Override
    public Optional<Long> size(Digest digest) throws IOException {
        try {
            return Optional.of(Files.size(blobPath(digest)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** A stat costs no request here, so recordedSize is not needed: the file's own size answers. */
    @Override
    public Optional<BlobContent> open(Digest digest, OptionalLong recordedSize) throws IOException {
        Path path = blobPath(digest);
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(new FileContent(path, size));
    }

    @Override
    public void put(Digest digest, byte[] content) throws IOException {
        Path target = blobPath(digest);
        if (Files.exists(target)) {
            return;
        }
        refuseWhileFull();
        Path temp = staging.resolve(UUID.randomUUID().toString());
        try {
            putFile(temp, target, content);
        } catch (IOException e) {
            if (noteFailure(e)) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static void putFile(Path temp, Path target, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        publish(temp, target);
    }

    @Override
    public boolean full() {
        return reserve != null && reserve.full();
    }

    /** Refuses a write that adds content while the disk is full: the released reserve is for deletes. */
    private void refuseWhileFull() throws IOException {
        if (reserve != null && reserve.full()) {
            throw new DiskReserve.StorageFullException();
        }
    }

    /** True when failure ran out of space; the reserve is then released. */
    private boolean noteFailure(IOException failure) {
        return reserve == null ? DiskReserve.isNoSpace(failure) : reserve.noteFailure(failure);
    }

    @Override
    public boolean delete(Digest digest) throws IOException {
        return Files.deleteIfExists(blobPath(digest));
    }

    @Override
    public void listBlobs(BlobVisitor visitor) throws IOException {
        // blobs/<algorithm>/<first two hex digits>/<hex>; anything else there is not a blob of ours.
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs)) {
            for (Path algorithm : algorithms) {
                if (!Files.isDirectory(algorithm)) {
                    continue;
                }
                try (DirectoryStream<Path> fans = Files.newDirectoryStream(algorithm)) {
                    for (Path fan : fans) {
                        if (!Files.isDirectory(fan)) {
                            continue;
                        }
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                            for (Path file : files) {
                                Digest digest = parseDigest(algorithm.getFileName() + ":" + file.getFileName());
                                if (digest == null || !Files.isRegularFile(file)) {
                                    continue;
                                }
                                long size;
                                try {
                                    size = Files.size(file);
                                } catch (NoSuchFileException e) {
                                    continue;
                                }
                                visitor.visit(digest, size);
                            }
                        } catch (NoSuchFileException e) {
                            // the fan-out directory went away during the walk
                        }
                    }
                }
            }
        }
    }

    private static Digest parseDigest(String text) {
        try {
            return Digest.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** quarantine/<algorithm>/<hex>, beside blobs/; a second quarantine of the same digest gets a suffixed name. */
    @Override
    public boolean quarantine(Digest digest) throws IOException {
        Path source = blobPath(digest);
        if (!Files.exists(source)) {
            return false;
        }
        Path directory = Files.createDirectories(quarantine.resolve(digest.algorithm()));
        Path target = directory.resolve(digest.hex());
        for (int n = 1; Files.exists(target) && n < 1000; n++) {
            target = directory.resolve(digest.hex() + "." + n);
        }
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return false;
        }
        fsyncDirectory(source.getParent());
        return true;
    }

    @Override
    public Upload openUpload(String uploadId) {
        return new FileUpload(uploadId, uploadPath(uploadId));
    }

    @Override
    public Optional<URI> presignedUrl(Digest digest, Duration ttl) {
        return Optional.empty();
    }

    @Override
    public void close() {}

    /** An upload as the file uploads/<id>; one version per length, so versions are ignored. */
    private final class FileUpload implements Upload {
        private final String id;
        private final Path path;

        FileUpload(String id, Path path) {
            this.id = id;
            this.path = path;
        }

        @Override
        public void create() throws IOException {
            refuseWhileFull();
            try {
                Files.newByteChannel(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            } catch (IOException e) {
                noteFailure(e);
                throw e;
            }
        }

        @Override
        public UploadAppender append(long offset, String version) throws IOException {
            refuseWhileFull();
            FileChannel channel;
            try {
                channel = FileChannel.open(path, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                throw new UploadMissingException("upload storage missing: " + id);
            }
            if (channel.size() < offset) {
                channel.close();
                throw new UploadMissingException("upload storage holds fewer bytes than recorded: " + id);
            }
            channel.truncate(offset);
            channel.position(offset);
            return new FileAppender(this, channel, offset, writebacks.computeIfAbsent(id, i -> new Writeback(path, earlyFlushes)));
        }

        @Override
        public boolean holds(long length) throws IOException {
            try {
                return Files.size(path) >= length;
            } catch (NoSuchFileException e) {
                return false;
            }
        }

        @Override
        public InputStream read(long length, String version) throws IOException {
            FileChannel channel;
            try {
                channel = FileChannel.open(path, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw new UploadMissingException("upload storage missing: " + id);
            }
            return new BoundedInputStream(Channels.newInputStream(channel), length);
        }

        @Override
        public void commit(Digest digest, long length, String version) throws IOException {
            try {
                commitFile(digest, length);
            } catch (IOException e) {
                noteFailure(e);
                throw e;
            }
        }

        private void commitFile(Digest digest, long length) throws IOException {
            Writeback writeback = writebacks.get(id);
            if (writeback != null) {
                writeback.awaitFlushes();
            }
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                if (channel.size() != length) {
                    channel.truncate(length);
                }
                channel.force(true);
            }
            Path target = blobPath(digest);
            if (Files.exists(target)) {
                Files.deleteIfExists(path);
            } else {
                publish(path, target);
            }
            writebacks.remove(id);
        }

        @Override
        public void delete() throws IOException {
            Files.deleteIfExists(path);
            writebacks.remove(id);
        }
    }

    /** Uploads with early-flush state (tests: an entry must not outlive its upload). */
    int uploadsWithWriteback() {
        return writebacks.size();
    }

    /** Atomically renames a durable file to its content address and makes the rename durable. */
    private static void publish(Path source, Path target) throws IOException {
        Path parent = Files.createDirectories(target.getParent());
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(source);
            return;
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the data directory must support atomic rename", e);
        }
        fsyncDirectory(parent);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private record FileContent(Path path, long size) implements BlobContent {
        @Override
        public Optional<Path> localFile() {
            return Optional.of(path);
        }

        @Override
        public InputStream openStream(long offset, long length) throws IOException {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            channel.position(offset);
            return new BoundedInputStream(Channels.newInputStream(channel), length);
        }
    }

    /**
     * The early flushes of one upload, at most one running at a time. A flush opens a descriptor of its own, so an
     * append ends without waiting for the disk. A failed flush fails the commit: the kernel reports a write-back
     * error to one fsync only, so the commit's fsync, on a descriptor opened after, would not see it.
     */
    private static final class Writeback {
        private final Path file;
        private final Semaphore slots;
        /** Bytes appended since the last flush started; guarded by this, like the two fields below. */
        private long unflushed;
        private CompletableFuture<Void> running = CompletableFuture.completedFuture(null);
        private IOException failed;

        Writeback(Path file, Semaphore slots) {
            this.file = file;
            this.slots = slots;
        }

        synchronized void appended(long bytes) {
            unflushed += bytes;
            if (unflushed < WRITEBACK_EVERY || !running.isDone() || !slots.tryAcquire()) {
                return;
            }
            unflushed = 0;
            CompletableFuture<Void> flush = new CompletableFuture<>();
            running = flush;
            Thread.ofVirtual().name("berth-writeback").start(() -> {
                // Opened for writing, as the commit opens it: Windows, for one, will not flush a read-only handle.
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.force(false);
                } catch (NoSuchFileException e) {
                    // Deleted: nothing left to write. (A commit waits for this flush before it renames the file.)
                } catch (IOException e) {
                    synchronized (this) {
                        failed = e;
                    }
                    // Also fail a commit after a restart, which would not know of this flush: the upload is lost.
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException | RuntimeException ignored) {
                        // The commit still fails on failed.
                    }
                } finally {
                    slots.release();
                    flush.complete(null);
                }
            });
        }

        /** Waits for the running flush, then throws if any flush of the upload failed. */
        void awaitFlushes() throws IOException {
            CompletableFuture<Void> flush;
            synchronized (this) {
                flush = running;
            }
            flush.join();
            synchronized (this) {
                if (failed != null) {
                    throw new IOException("writing the upload to disk failed; push it again", failed);
                }
            }
        }
    }

    private final class FileAppender implements UploadAppender {
        private final FileUpload upload;
        private final FileChannel channel;
        private final Writeback writeback;
        /** The length the append was opened at: the bytes it continues. */
        private final long start;
        private long length;

        FileAppender(FileUpload upload, FileChannel channel, long length, Writeback writeback) {
            this.upload = upload;
            this.channel = channel;
            this.start = length;
            this.length = length;
            this.writeback = writeback;
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            long before = length;
            try {
                while (bytes.hasRemaining()) {
                    length += channel.write(bytes);
                }
            } catch (IOException e) {
                noteFailure(e);
                throw e;
            }
            writeback.appended(length - before);
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public String version() {
            return "";
        }

        @Override
        public InputStream readBack() throws IOException {
            return upload.read(start, null);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        @Override
        public void commit(Digest digest) throws IOException {
            close();
            upload.commit(digest, length, null);
        }

        @Override
        public void discard() throws IOException {
            close();
        }
    }
}
