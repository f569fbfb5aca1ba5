package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void uploadIdsThatCouldEscapeTheDirectoryAreRefused() {
        assertThatThrownBy(() -> store.createUpload("../../etc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.deleteUpload("a/b")).isInstanceOf(IllegalArgumentException.class);
    }
}
