package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.oci.Digest;
import io.berth.testing.StoreFixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every BlobStore must do. Each implementation's test extends this class and says how to open a store. */
@Timeout(30)
public abstract class BlobStoreContract extends StoreFixture<BlobStore> {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] read(BlobStore.BlobContent content, long offset, long length) throws IOException {
        try (InputStream in = content.openStream(offset, length)) {
            return in.readAllBytes();
        }
    }

    @Test
    void putThenOpenReturnsTheSameBytes() throws Exception {
        byte[] content = bytes("manifest bytes");
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        assertThat(store.size(digest)).contains((long) content.length);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow()) {
            assertThat(blob.size()).isEqualTo(content.length);
            assertThat(read(blob, 0, content.length)).isEqualTo(content);
            assertThat(read(blob, 3, 5)).isEqualTo(bytes("ifest"));
        }
    }

    @Test
    void absentBlobIsEmpty() throws Exception {
        Digest digest = Digest.sha256(bytes("never stored"));
        assertThat(store.size(digest)).isEmpty();
        assertThat(store.open(digest, OptionalLong.empty())).isEmpty();
        assertThat(store.delete(digest)).isFalse();
    }

    @Test
    void putOfAnExistingBlobCountsAsDone() throws Exception {
        byte[] content = bytes("twice");
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        store.put(digest, content);
        assertThat(store.size(digest)).contains(5L);
    }

    @Test
    void listingVisitsEveryStoredBlobWithItsSize() throws Exception {
        byte[] first = bytes("listed " + UUID.randomUUID());
        byte[] second = bytes("listed too " + UUID.randomUUID());
        store.put(Digest.sha256(first), first);
        store.put(Digest.sha256(second), second);
        java.util.Map<Digest, Long> listed = new java.util.HashMap<>();
        store.listBlobs(listed::put);
        assertThat(listed).containsEntry(Digest.sha256(first), (long) first.length)
                .containsEntry(Digest.sha256(second), (long) second.length);
    }

    @Test
    void quarantinedBlobIsGoneFromReadsAndListingAndCanBeStoredAgain() throws Exception {
        byte[] content = bytes("quarantined " + UUID.randomUUID());
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        assertThat(store.quarantine(digest)).isTrue();
        assertThat(store.size(digest)).isEmpty();
        assertThat(store.open(digest, OptionalLong.empty())).isEmpty();
        List<Digest> listed = new ArrayList<>();
        store.listBlobs((d, size) -> listed.add(d));
        assertThat(listed).doesNotContain(digest);
        assertThat(store.quarantine(digest)).isFalse();
        store.put(digest, content);
        assertThat(store.size(digest)).contains((long) content.length);
        assertThat(store.quarantine(digest)).as("a second quarantine of the same digest").isTrue();
    }

    @Test
    void uploadAppendedInChunksCommitsToItsDigest() throws Exception {
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        try (BlobStore.UploadAppender a = store.openUpload(id).append(0, null)) {
            a.write(ByteBuffer.wrap(bytes("hello ")));
            assertThat(a.length()).isEqualTo(6);
        }
        try (BlobStore.UploadAppender a = store.openUpload(id).append(6, null)) {
            a.write(ByteBuffer.wrap(bytes("world")));
        }
        try (InputStream in = store.openUpload(id).read(11, null)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes("hello world"));
        }
        Digest digest = Digest.sha256(bytes("hello world"));
        assertThat(store.size(digest)).isEmpty();
        store.openUpload(id).commit(digest, 11, null);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow()) {
            assertThat(read(blob, 0, blob.size())).isEqualTo(bytes("hello world"));
        }
    }

    @Test
    void appendAtAnEarlierOffsetDiscardsAnInterruptedChunk() throws Exception {
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        try (BlobStore.UploadAppender a = store.openUpload(id).append(0, null)) {
            a.write(ByteBuffer.wrap(bytes("abc")));
        }
        try (BlobStore.UploadAppender a = store.openUpload(id).append(3, null)) {
            a.write(ByteBuffer.wrap(bytes("XXXX-never-recorded")));
        }
        try (BlobStore.UploadAppender a = store.openUpload(id).append(3, null)) {
            a.write(ByteBuffer.wrap(bytes("def")));
        }
        Digest digest = Digest.sha256(bytes("abcdef"));
        store.openUpload(id).commit(digest, 6, null);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow()) {
            assertThat(read(blob, 0, blob.size())).isEqualTo(bytes("abcdef"));
        }
    }

    @Test
    void discardedAppendLeavesTheUploadAtItsOffset() throws Exception {
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        try (BlobStore.UploadAppender a = store.openUpload(id).append(0, null)) {
            a.write(ByteBuffer.wrap(bytes("abc")));
        }
        BlobStore.UploadAppender failed = store.openUpload(id).append(3, null);
        failed.write(ByteBuffer.wrap(bytes("request-that-failed")));
        failed.discard();
        failed.discard();
        try (BlobStore.UploadAppender a = store.openUpload(id).append(3, null)) {
            a.write(ByteBuffer.wrap(bytes("def")));
        }
        try (InputStream in = store.openUpload(id).read(6, null)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes("abcdef"));
        }
        Digest digest = Digest.sha256(bytes("abcdef"));
        store.openUpload(id).commit(digest, 6, null);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow()) {
            assertThat(read(blob, 0, blob.size())).isEqualTo(bytes("abcdef"));
        }
    }

    @Test
    void appendBeyondWhatTheUploadHoldsFails() throws Exception {
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        assertThatThrownBy(() -> store.openUpload(id).append(10, null).close()).isInstanceOf(IOException.class);
    }

    @Test
    void deletedUploadIsGoneAndDeletingTwiceIsHarmless() throws Exception {
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        try (BlobStore.UploadAppender a = store.openUpload(id).append(0, null)) {
            a.write(ByteBuffer.wrap(bytes("abc")));
        }
        store.openUpload(id).delete();
        store.openUpload(id).delete();
        // (An upload of no bytes may have no storage at all: appending at 0 needs nothing stored.)
        assertThatThrownBy(() -> store.openUpload(id).append(3, null)).isInstanceOf(IOException.class);
    }

    @Test
    void concurrentCommitsOfTheSameBlobEndWithOneCorrectBlob() throws Exception {
        byte[] content = new byte[256 * 1024];
        new java.util.Random(7).nextBytes(content);
        Digest digest = Digest.sha256(content);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> {
                    String id = UUID.randomUUID().toString();
                    store.openUpload(id).create();
                    try (BlobStore.UploadAppender a = store.openUpload(id).append(0, null)) {
                        a.write(ByteBuffer.wrap(content));
                    }
                    store.openUpload(id).commit(digest, content.length, null);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow()) {
            assertThat(read(blob, 0, blob.size())).isEqualTo(content);
        }
    }

    @Test
    void openWithTheRecordedSizeReadsTheBlob() throws Exception {
        byte[] content = bytes("recorded " + UUID.randomUUID());
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.of(content.length)).orElseThrow()) {
            assertThat(blob.size()).isEqualTo(content.length);
            assertThat(read(blob, 0, content.length)).isEqualTo(content);
        }
    }

    @Test
    void anUploadHoldsTheBytesAppendedUntilItIsDeleted() throws Exception {
        BlobStore.Upload upload = store.openUpload(UUID.randomUUID().toString());
        upload.create();
        assertThat(upload.holds(0)).isTrue();
        try (BlobStore.UploadAppender a = upload.append(0, null)) {
            a.write(ByteBuffer.wrap(bytes("abc")));
        }
        assertThat(upload.holds(3)).isTrue();
        assertThat(upload.holds(10)).as("more than was appended").isFalse();
        upload.delete();
        assertThat(upload.holds(3)).isFalse();
    }

    @Test
    void anAppendReadsBackWhatItContinuesAndCommitsStraightFromItself() throws Exception {
        BlobStore.Upload upload = store.openUpload(UUID.randomUUID().toString());
        upload.create();
        BlobStore.UploadAppender first = upload.append(0, null);
        first.write(ByteBuffer.wrap(bytes("hello ")));
        first.close();
        String version = first.version();
        assertThat(version).isNotNull();
        try (InputStream in = upload.read(6, version)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes("hello "));
        }
        BlobStore.UploadAppender a = upload.append(6, version);
        try (InputStream in = a.readBack()) {
            assertThat(in.readAllBytes()).isEqualTo(bytes("hello "));
        }
        a.write(ByteBuffer.wrap(bytes("world")));
        assertThat(a.length()).isEqualTo(11);
        Digest digest = Digest.sha256(bytes("hello world"));
        a.commit(digest);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow()) {
            assertThat(read(blob, 0, blob.size())).isEqualTo(bytes("hello world"));
        }
        assertThat(upload.holds(11)).as("a commit drops the upload's storage").isFalse();
    }

    @Test
    void idsThatCouldNameSomethingOutsideTheUploadsAreRefused() {
        assertThatThrownBy(() -> store.openUpload("../../etc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.openUpload("a/b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStoreWithoutAReserveIsNeverFullAndHandsOutNoUrlsUnlessConfigured() throws Exception {
        byte[] content = bytes("served here " + UUID.randomUUID());
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        assertThat(store.full()).isFalse();
        assertThat(store.presignedUrl(digest, java.time.Duration.ofMinutes(5))).isEmpty();
    }

    @Test
    void aDigestLockCanBeTakenAgainOnceReleased() throws Exception {
        Digest digest = Digest.sha256(bytes("locked " + UUID.randomUUID()));
        try (AutoCloseable lock = store.lock(digest)) {
            store.put(digest, bytes("never mind the content"));
        }
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            other.submit(() -> {
                store.lock(digest).close();
                return null;
            }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void deleteRemovesABlob() throws Exception {
        byte[] content = bytes("to delete");
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        assertThat(store.delete(digest)).isTrue();
        assertThat(store.open(digest, OptionalLong.empty())).isEmpty();
    }
}
