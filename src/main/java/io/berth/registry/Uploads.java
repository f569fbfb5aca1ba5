package io.berth.registry;

import io.berth.metadata.MetadataStore;
import io.berth.model.UploadSession;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.storage.BlobStore;
import io.berth.storage.DiskReserve;
import io.berth.storage.UploadMissingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blob uploads: sessions in the metadata store, bytes in the blob store, and (only as a cache) the running hash of
 * uploads this node received last. A node without the running hash re-hashes the stored prefix, so any node can
 * continue any upload.
 */
public final class Uploads {
    private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);

    private final MetadataStore metadata;
    private final BlobStore blobs;
    private final DigestLocks digestLocks;
    private final Clock clock;
    /**
     * Running hashes by upload id; an entry is valid only for the offset and the stored version it records (a hash
     * describes the bytes of one version; another append may have left another version at the same offset).
     */
    private final Map<String, RunningHash> hashes = new ConcurrentHashMap<>();
    /** Uploads a request of this node is writing to right now (one body at a time per upload). */
    private final Map<String, Boolean> busy = new ConcurrentHashMap<>();

    /** How long a request's claim on an upload lasts without renewal; renewed while its bytes flow. */
    private static final Duration CLAIM = Duration.ofSeconds(30);
    private static final long RENEW_NANOS = Duration.ofSeconds(10).toNanos();

    /** This node's part of writer ids, so claims of different nodes never look alike. */
    private final String node = UUID.randomUUID().toString().substring(0, 8);
    /** Held locked while this process lives, so a later process can tell its claims from a dead one's. */
    private FileChannel claimLock;

    /** A blocking step on the blob store. */
    @FunctionalInterface
    private interface StoreStep {
        void run() throws IOException;
    }

    private record RunningHash(String algorithm, long offset, String version, MessageDigest digest) {}

    public Uploads(MetadataStore metadata, BlobStore blobs, Clock clock) {
        this.metadata = metadata;
        this.blobs = blobs;
        this.digestLocks = new DigestLocks(blobs, metadata);
        this.clock = clock;
    }

    public UploadSession start(RepositoryName repository, String algorithm) {
        Digest.checkAlgorithm(algorithm);
        String id = UUID.randomUUID().toString();
        Instant now = clock.instant();
        UploadSession session = new UploadSession(id, repository, algorithm, 0, now, now);
        // The session first: storage made after it can always be found (and purged) through it, even after a crash.
        metadata.createUpload(session);
        try {
            blobs.openUpload(id).create();
        } catch (IOException | RuntimeException e) {
            metadata.deleteUpload(id);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        hashes.put(id, new RunningHash(algorithm, 0, "", Digest.newMessageDigest(algorithm)));
        return session;
    }

    /** The session of an upload of repository, or BLOB_UPLOAD_UNKNOWN. */
    public UploadSession session(RepositoryName repository, String id) {
        Optional<UploadSession> session = isWellFormedId(id) ? metadata.upload(id) : Optional.empty();
        if (session.isEmpty() || !session.get().repository().equals(repository)) {
            throw uploadUnknown(id);
        }
        return session.get();
    }

    private static RegistryException uploadUnknown(String id) {
        return new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload unknown", Map.of("uuid", safeId(id)));
    }

    /**
     * The session of an upload for a status request, after a look at the blob store: an upload whose stored bytes
     * were lost (a crash before they reached the disk, a deleted file) cannot be continued, so it is removed and
     * answers BLOB_UPLOAD_UNKNOWN, and the client starts again.
     */
    public UploadSession status(RepositoryName repository, String id) {
        UploadSession session = session(repository, id);
        if (busy.containsKey(id) || holds(session)) {
            return session;
        }
        // Claim it before removing it, so an append or commit in flight (which holds the claim) is not cut off.
        String writer = node + "-" + UUID.randomUUID().toString().substring(0, 13);
        Instant now = clock.instant();
        if (!metadata.claimUpload(id, session.offset(), writer, now.plus(CLAIM), now, null)) {
            return session;
        }
        boolean lost;
        try {
            lost = !holds(session);
        } catch (RuntimeException e) {
            metadata.releaseUpload(id, writer);
            throw e;
        }
        if (!lost) {
            metadata.releaseUpload(id, writer);
            return session;
        }
        LOG.warn("upload {} lost its stored bytes (it records {}); removed it", id, session.offset());
        drop(id);
        throw uploadUnknown(id);
    }

    private boolean holds(UploadSession session) {
        try {
            return blobs.openUpload(session.id()).holds(session.offset());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True while the blob store's disk is full (pulls go on, pushes answer 507). */
    public boolean storageFull() {
        return blobs.full();
    }

    /**
     * Marks this process's claims as live by a lock under dir held while it runs, and releases the claims of the
     * processes that held such a lock there and are gone (kill -9, a crash): their uploads can be continued at once
     * instead of after the claims expire. Claims of processes still running (another node) stay. Returns how many
     * claims were released. Called once, at start-up of a server.
     */
    public int recoverClaims(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel own = FileChannel.open(dir.resolve(node + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        own.lock();
        claimLock = own;
        int released = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.lock")) {
            for (Path file : files) {
                String other = file.getFileName().toString().replaceFirst("\\.lock$", "");
                if (other.equals(node) || !other.matches("[a-zA-Z0-9]{1,32}")) {
                    continue;
                }
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
                     java.nio.channels.FileLock lock = channel.tryLock()) {
                    if (lock == null) {
                        continue;
                    }
                    released += metadata.releaseUploadClaims(other + "-");
                    Files.deleteIfExists(file);
                } catch (java.nio.file.NoSuchFileException e) {
                    // Another process starting at the same time cleaned it up.
                }
            }
        }
        if (released > 0) {
            LOG.info("released {} upload claims of ended processes", released);
        }
        return released;
    }

    static boolean isWellFormedId(String id) {
        return id != null && id.matches("[a-zA-Z0-9-]{1,64}");
    }

    private static String safeId(String id) {
        return id == null ? "" : id.substring(0, Math.min(64, id.length()));
    }

    /**
     * Opens an upload for one request body. With a Content-Range, the chunk must start where the upload ends, else
     * 416 (the upload stays open). finishWith, when set, commits the blob after the body (PUT ?digest=).
     */
    public UploadWriter openWriter(RepositoryName repository, String id, ContentRange range, Digest finishWith) {
        UploadSession session = session(repository, id);
        if (range != null && range.start() != session.offset()) {
            throw rangeNotSatisfiable(session, "chunk must start at offset " + session.offset());
        }
        if (busy.putIfAbsent(id, Boolean.TRUE) != null) {
            throw rangeNotSatisfiable(session, "another request is writing to this upload");
        }
        // Across nodes: one request at a time appends, by a claim in the metadata store.
        String writer = node + "-" + UUID.randomUUID().toString().substring(0, 13);
        Instant now = clock.instant();
        // No request of this node writes to it (busy), so a claim left by one of this node's writers is stale.
        if (!metadata.claimUpload(id, session.offset(), writer, now.plus(CLAIM), now, node + "-")) {
            busy.remove(id);
            throw rangeNotSatisfiable(session, "another request is writing to this upload");
        }
        try {
            BlobStore.UploadAppender appender = null;
            try {
                BlobStore.Upload upload = blobs.openUpload(id);
                RunningHash cached = hashes.remove(id);
                MessageDigest digest = null;
                if (cached != null && cached.offset() == session.offset() && cached.algorithm().equals(session.algorithm())) {
                    try {
                        appender = upload.append(session.offset(), cached.version());
                        digest = cached.digest();
                    } catch (UploadMissingException e) {
                        // That version is gone; the store may still hold the upload in another.
                    }
                }
                if (appender == null) {
                    // Continue whichever version the store holds, and hash exactly that version's bytes.
                    appender = upload.append(session.offset(), null);
                    digest = Digest.newMessageDigest(session.algorithm());
                    if (session.offset() > 0) {
                        rehash(id, session.offset(), appender.readBack(), digest);
                    }
                }
                return new Writer(session, writer, appender, digest, range, finishWith);
            } catch (IOException | RuntimeException e) {
                if (appender != null) {
                    appender.discard();
                }
                throw e;
            }
        } catch (UploadMissingException e) {
            // This request holds the claim: nothing else is appending to it or committing it.
            LOG.warn("upload {} lost its stored bytes ({}); removed it", id, e.getMessage());
            dropHeld(id);
            throw uploadUnknown(id);
        } catch (IOException | RuntimeException e) {
            if (DiskReserve.isNoSpace(e)) {
                // The client is told to push again later; the bytes it sent so far are released now, not at purge.
                dropHeld(id);
            } else {
                busy.remove(id);
                metadata.releaseUpload(id, writer);
            }
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** Drops an upload this node is busy with, then lets go of it. */
    private void dropHeld(String id) {
        try {
            drop(id);
        } catch (RuntimeException e) {
            LOG.warn("could not remove upload {}: {}", id, DiskReserve.rootMessage(e));
        } finally {
            busy.remove(id);
        }
    }

    private static UploadRangeException rangeNotSatisfiable(UploadSession session, String message) {
        return new UploadRangeException(message, session.id(), session.offset());
    }

    /** Hashes the length bytes of in (the stored bytes of one version of upload id), and closes it. */
    private static void rehash(String id, long length, InputStream stored, MessageDigest digest) throws IOException {
        try (InputStream in = stored) {
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                total += n;
            }
            if (total != length) {
                throw new IOException("upload " + id + " holds " + total + " bytes, expected " + length);
            }
        }
    }

    /** Cancels an upload and drops its bytes. */
    public void cancel(RepositoryName repository, String id) {
        session(repository, id);
        drop(id);
    }

    /** Drops an upload's storage, then its session: a crash in between leaves a session that a purge finds again. */
    private void drop(String id) {
        hashes.remove(id);
        try {
            blobs.openUpload(id).delete();
        } catch (IOException e) {
            LOG.warn("could not delete the bytes of upload {}: {}", id, e.toString());
        }
        metadata.deleteUpload(id);
    }

    /** Removes uploads idle for longer than maxAge, with their bytes; returns how many. */
    /** Uploads whose bytes a request of this node is writing now (the metrics' uploads in progress). */
    public int writing() {
        return busy.size();
    }

    public int purgeIdle(Duration maxAge) {
        int purged = 0;
        for (UploadSession session : metadata.uploadsIdleSince(clock.instant().minus(maxAge), 1000)) {
            if (busy.containsKey(session.id())) {
                continue;
            }
            drop(session.id());
            purged++;
        }
        return purged;
    }

    private final class Writer implements UploadWriter {
        private final UploadSession session;
        private final String writer;
        private final BlobStore.UploadAppender appender;
        private final MessageDigest digest;
        private final ContentRange range;
        private final Digest finishWith;
        private boolean done;
        /** A write or the commit ran out of space: the upload is dropped, not kept for a retry. */
        private volatile boolean noSpace;
        /** When the claim is next renewed (System.nanoTime); written by the event loop and the renewing thread. */
        private volatile long renewAt = System.nanoTime() + RENEW_NANOS;
        private volatile boolean renewing;

        Writer(UploadSession session, String writer, BlobStore.UploadAppender appender, MessageDigest digest,
               ContentRange range, Digest finishWith) {
            this.session = session;
            this.writer = writer;
            this.appender = appender;
            this.digest = digest;
            this.range = range;
            this.finishWith = finishWith;
        }

        @Override
        public void write(ByteBuffer bytes) {
            ByteBuffer forHash = bytes.duplicate();
            try {
                appender.write(bytes);
            } catch (IOException e) {
                noSpace = DiskReserve.isNoSpace(e);
                throw new UncheckedIOException(e);
            }
            digest.update(forHash);
            if (System.nanoTime() > renewAt && !renewing) {
                renewing = true;
                Thread.ofVirtual().start(() -> {
                    try {
                        renewClaim();
                    } finally {
                        renewAt = System.nanoTime() + RENEW_NANOS;
                        renewing = false;
                    }
                });
            }
        }

        private boolean renewClaim() {
            Instant now = clock.instant();
            return metadata.claimUpload(session.id(), session.offset(), writer, now.plus(CLAIM), now, null);
        }

        private RegistryException lostClaim() {
            return new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID,
                    "the upload was taken over by another request while this one stalled; resume from its Range");
        }

        @Override
        public UploadResult complete() {
            boolean claimEnded = false;
            try {
                long length = appender.length();
                // A claim taken or renewed less than RENEW_NANOS ago holds for at least CLAIM minus that, and no
                // other request can take over an unexpired claim: asking the store again would only cost a write.
                boolean fresh = !renewing && System.nanoTime() < renewAt;
                if (!fresh && !renewClaim()) {
                    appender.discard();
                    claimEnded = true;
                    throw lostClaim();
                }
                if (range != null && length - session.offset() != range.length()) {
                    appender.discard();
                    throw rangeNotSatisfiable(session, "Content-Range length does not match the bytes sent");
                }
                if (finishWith == null) {
                    whileRenewingClaim(appender::close);
                    Instant now = clock.instant();
                    if (!metadata.advanceClaimedUpload(session.id(), session.offset(), length, writer, now)) {
                        // Another request took the upload over while this close waited for the store; the version
                        // this close wrote is recorded nowhere, and hashes describe versions, so it cannot mix in.
                        appender.discard();
                        throw lostClaim();
                    }
                    claimEnded = true;
                    hashes.put(session.id(), new RunningHash(session.algorithm(), length, appender.version(), digest));
                    return UploadResult.open(session.withOffset(length, now));
                }
                Digest committed = commit(length);
                claimEnded = true;
                if (LOG.isDebugEnabled()) {
                    LOG.debug("upload {}: committed {} ({} bytes) to {} in {}", session.id(), committed, length, blobs,
                            session.repository());
                }
                return UploadResult.committed(session.repository(), committed);
            } catch (IOException e) {
                noSpace = DiskReserve.isNoSpace(e);
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                noSpace = DiskReserve.isNoSpace(e);
                throw e;
            } finally {
                done = true;
                if (noSpace) {
                    discardQuietly();
                    dropHeld(session.id());
                } else {
                    busy.remove(session.id());
                    if (!claimEnded) {
                        metadata.releaseUpload(session.id(), writer);
                    }
                }
            }
        }

        private void discardQuietly() {
            try {
                appender.discard();
            } catch (IOException e) {
                LOG.debug("closing failed upload {}: {}", session.id(), e.toString());
            }
        }

        /**
         * Runs a step that waits for the blob store (a close that finishes part uploads, a commit) while renewing
         * the claim, so a slow store does not let another request take the upload over in the meantime. Whether or
         * not the claim holds, the versions keep the bytes consistent: this only saves the client a retry.
         */
        private void whileRenewingClaim(StoreStep step) throws IOException {
            Thread renewer = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(Duration.ofNanos(RENEW_NANOS));
                        if (!renewClaim()) {
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    // the step ended
                } catch (RuntimeException e) {
                    LOG.debug("renewing the claim on upload {}: {}", session.id(), e.toString());
                }
            });
            try {
                step.run();
            } finally {
                renewer.interrupt();
            }
        }

        private Digest commit(long length) throws IOException {
            if (!finishWith.algorithm().equals(session.algorithm())) {
                // Rare: a digest of another algorithm than the running hash. Keep the bytes, re-hash that version.
                whileRenewingClaim(appender::close);
                MessageDigest other = finishWith.newMessageDigest();
                BlobStore.Upload upload = blobs.openUpload(session.id());
                rehash(session.id(), length, upload.read(length, appender.version()), other);
                verify(other.digest(), appender::discard);
                withDigestLocks(() -> upload.commit(finishWith, length, appender.version()), length);
                return finishWith;
            }
            verify(digest.digest(), appender::discard);
            // The digest holds for exactly the bytes this append holds: write the blob straight from them.
            withDigestLocks(() -> appender.commit(finishWith), length);
            return finishWith;
        }

        private void verify(byte[] computed, StoreStep onMismatch) throws IOException {
            if (!finishWith.matches(computed)) {
                // The bytes stay at the earlier offset; the client may resend the last chunk or start again.
                onMismatch.run();
                throw new RegistryException(ErrorCode.DIGEST_INVALID, "provided digest did not match uploaded content",
                        Map.of("expected", finishWith.toString(),
                                "computed", finishWith.algorithm() + ":" + HexFormat.of().formatHex(computed)));
            }
        }

        private void withDigestLocks(StoreStep blobCommit, long length) throws IOException {
            digestLocks.run(finishWith, () -> {
                whileRenewingClaim(blobCommit);
                try {
                    metadata.commitUpload(session.id(), session.repository(), finishWith, length);
                } catch (RegistryException refused) {
                    releaseRefused();
                    throw refused;
                }
            });
        }

        /**
         * After the commit was refused (over quota; nothing was recorded): the bytes just published under the digest
         * go unless another push recorded them (the digest locks keep one from doing so meanwhile), and the upload
         * ends, so a refused blob holds no space.
         */
        private void releaseRefused() throws IOException {
            if (metadata.blobSize(finishWith).isEmpty()) {
                blobs.delete(finishWith);
            }
            drop(session.id());
        }

        @Override
        public void abort() {
            if (done) {
                return;
            }
            done = true;
            discardQuietly();
            if (noSpace) {
                // Closed above, so deleting the file frees its space at once; off the event loop, like the release.
                Thread.ofVirtual().start(() -> dropHeld(session.id()));
                return;
            }
            busy.remove(session.id());
            // abort may run on an event loop: end the claim off it.
            Thread.ofVirtual().start(() -> metadata.releaseUpload(session.id(), writer));
        }
    }
}
