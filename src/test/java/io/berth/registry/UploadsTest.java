package io.berth.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.metadata.MetadataStore;
import io.berth.model.UploadSession;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.storage.BlobStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Upload sessions on the real embedded stores, without HTTP. */
@Timeout(30)
class UploadsTest {
    @TempDir
    Path dir;

    private DomainFixture domain;
    private MetadataStore metadata;
    private BlobStore blobs;
    private Uploads uploads;
    private final RepositoryName repo = new RepositoryName("team/app");

    @BeforeEach
    void open() throws Exception {
        domain = DomainFixture.open(dir);
        metadata = domain.metadata;
        blobs = domain.blobs;
        uploads = domain.uploads;
    }

    @AfterEach
    void close() {
        domain.close();
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Digest digest(String s) {
        return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private UploadResult send(Uploads target, String id, ContentRange range, Digest finish, String body) {
        UploadWriter writer = target.openWriter(repo, id, range, finish);
        writer.write(bytes(body));
        return writer.complete();
    }

    @Test
    void chunksThenFinishCommitTheBlobAndLinkItToTheRepository() {
        UploadSession s = uploads.start(repo, "sha256");
        assertThat(send(uploads, s.id(), new ContentRange(0, 4), null, "hello").session().offset()).isEqualTo(5);
        UploadResult done = send(uploads, s.id(), null, digest("hello world"), " world");
        assertThat(done.digest()).isEqualTo(digest("hello world"));
        assertThat(metadata.linkedBlobSize(repo, done.digest())).contains(11L);
        assertThatThrownBy(() -> uploads.session(repo, s.id())).isInstanceOf(RegistryException.class);
    }

    @Test
    void chunkOutOfOrderIsRefusedAndTheUploadStaysOpen() {
        UploadSession s = uploads.start(repo, "sha256");
        send(uploads, s.id(), new ContentRange(0, 2), null, "abc");
        assertThatThrownBy(() -> uploads.openWriter(repo, s.id(), new ContentRange(10, 12), null))
                .isInstanceOfSatisfying(UploadRangeException.class, e -> {
                    assertThat(e.status()).isEqualTo(416);
                    assertThat(e.offset()).isEqualTo(3);
                    assertThat(e.uploadId()).isEqualTo(s.id());
                    assertThat(e.headers()).as("the HTTP layer renders the position into headers").isEmpty();
                });
        assertThatThrownBy(() -> uploads.openWriter(repo, s.id(), new ContentRange(0, 2), null))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(416));
        assertThat(uploads.session(repo, s.id()).offset()).isEqualTo(3);
    }

    @Test
    void anotherNodeWithoutTheRunningHashContinuesTheUpload() {
        UploadSession s = uploads.start(repo, "sha256");
        send(uploads, s.id(), null, null, "first part,");
        Uploads otherNode = domain.otherNodeUploads();
        UploadResult done = send(otherNode, s.id(), null, digest("first part, second part"), " second part");
        assertThat(done.digest()).isEqualTo(digest("first part, second part"));
    }

    @Test
    void anotherNodeCannotAppendWhileTheFirstIsWriting() {
        UploadSession s = uploads.start(repo, "sha256");
        UploadWriter first = uploads.openWriter(repo, s.id(), null, null);
        first.write(bytes("first"));
        Uploads otherNode = domain.otherNodeUploads();
        assertThatThrownBy(() -> otherNode.openWriter(repo, s.id(), null, null))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(416));
        assertThat(first.complete().session().offset()).isEqualTo(5);
        assertThat(send(otherNode, s.id(), null, digest("first second"), " second").digest()).isEqualTo(digest("first second"));
    }

    @Test
    void wrongDigestIsRefusedAndNothingBecomesVisible() {
        UploadSession s = uploads.start(repo, "sha256");
        Digest claimed = digest("something else");
        assertThatThrownBy(() -> send(uploads, s.id(), null, claimed, "actual bytes"))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
        assertThat(metadata.blobSize(claimed)).isEmpty();
        assertThat(uploads.session(repo, s.id()).offset()).isZero();
    }

    @Test
    void sha512UploadsAreVerified() {
        UploadSession s = uploads.start(repo, "sha512");
        Digest d = Digest.of("sha512", "content".getBytes(StandardCharsets.UTF_8));
        assertThat(send(uploads, s.id(), null, d, "content").digest()).isEqualTo(d);
    }

    @Test
    void uploadOfAnotherRepositoryIsUnknown() {
        UploadSession s = uploads.start(repo, "sha256");
        assertThatThrownBy(() -> uploads.session(new RepositoryName("other/repo"), s.id()))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BLOB_UPLOAD_UNKNOWN));
    }

    @Test
    void abortedBodyLeavesTheUploadAtItsEarlierOffset() {
        UploadSession s = uploads.start(repo, "sha256");
        send(uploads, s.id(), null, null, "kept");
        UploadWriter writer = uploads.openWriter(repo, s.id(), null, null);
        writer.write(bytes("lost in a dropped connection"));
        writer.abort();
        UploadResult done = send(uploads, s.id(), null, digest("kept+more"), "+more");
        assertThat(done.digest()).isEqualTo(digest("kept+more"));
    }

    @Test
    void idleUploadsArePurgedWithTheirBytes() throws Exception {
        UploadSession s = uploads.start(repo, "sha256");
        domain.clock.advance(Duration.ofSeconds(1));
        assertThat(uploads.purgeIdle(Duration.ofMillis(1))).isEqualTo(1);
        assertThatThrownBy(() -> uploads.session(repo, s.id())).isInstanceOf(RegistryException.class);
        assertThat(dir.resolve("uploads").resolve(s.id())).doesNotExist();
    }
}
