package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path root;

    @Override
    protected BlobStore openStore() throws Exception {
        return new FileSystemBlobStore(root);
    }

    @Test
    void blobsLiveUnderTheirContentAddressAndNothingIsLeftInStaging() throws Exception {
        byte[] content = "x".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        assertThat(root.resolve("blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex())).exists();
        try (Stream<Path> staging = Files.list(root.resolve("staging"))) {
            assertThat(staging).isEmpty();
        }
    }

    @Test
    void uploadsFlushedWhileArrivingCommitTheirExactBytesAndLeaveNoFlushState() throws Exception {
        byte[] content = new byte[(int) (2 * FileSystemBlobStore.WRITEBACK_EVERY + 12345)];
        ThreadLocalRandom.current().nextBytes(content);
        Digest digest = Digest.sha256(content);
        // One append (flushes start inside it), then the same bytes in 3 MiB appends (flushes start across them).
        int[] appendSizes = {content.length, 3 << 20};
        for (int i = 0; i < appendSizes.length; i++) {
            String id = "flushed-" + i;
            store.openUpload(id).create();
            int offset = 0;
            while (offset < content.length) {
                int size = Math.min(appendSizes[i], content.length - offset);
                try (BlobStore.UploadAppender appender = store.openUpload(id).append(offset, null)) {
                    for (int at = offset; at < offset + size; at += 1 << 20) {
                        appender.write(ByteBuffer.wrap(content, at, Math.min(1 << 20, offset + size - at)));
                    }
                }
                offset += size;
            }
            store.openUpload(id).commit(digest, content.length, null);
            assertThat(read(store.open(digest, OptionalLong.empty()).orElseThrow(), 0, content.length)).isEqualTo(content);
            store.delete(digest);
        }
        assertThat(((FileSystemBlobStore) store).uploadsWithWriteback()).isZero();
    }

    @Test
    void aDeletedUploadLeavesNoFlushStateEvenWithAFlushRunning() throws Exception {
        store.openUpload("dropped").create();
        try (BlobStore.UploadAppender appender = store.openUpload("dropped").append(0, null)) {
            appender.write(ByteBuffer.allocate((int) FileSystemBlobStore.WRITEBACK_EVERY));
        }
        store.openUpload("dropped").delete();
        assertThat(((FileSystemBlobStore) store).uploadsWithWriteback()).isZero();
        assertThat(root.resolve("uploads/dropped")).doesNotExist();
    }
}
