package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.ContentRange;
import io.berth.registry.UploadWriter;
import io.berth.registry.Uploads;
import io.berth.testing.S3Server;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 upload whose objects are gone (deleted from the bucket, or never written before a crash): its status, a chunk
 * and the final PUT answer BLOB_UPLOAD_UNKNOWN, and its session is removed. A real S3 API server (S3Proxy).
 */
@Timeout(120)
class S3LostUploadTest {

    private static final S3Server server = S3Server.shared();
    private static final String bucket = server.newBucket();

    @TempDir
    Path dir;
    private final RepositoryName repo = new RepositoryName("team/app");
    private MetadataStore metadata;
    private S3BlobStore blobs;
    private Uploads uploads;
    private String prefix;

    @BeforeEach
    void open() throws Exception {
        metadata = MetadataDatabase.sqlite(dir.resolve("berth.db"), Clock.systemUTC()).metadata();
        prefix = "lost-" + UUID.randomUUID() + "/";
        blobs = S3BlobStore.open(new S3BlobStore.Options(server.endpoint(), S3Server.REGION, bucket, prefix, true,
                S3Server.ACCESS_KEY, S3Server.SECRET_KEY, S3BlobStore.MIN_PART_SIZE, false, dir.resolve("spool")));
        uploads = new Uploads(metadata, blobs, Clock.systemUTC());
    }

    @AfterEach
    void close() throws Exception {
        blobs.close();
        metadata.close();
    }

    /** Starts an upload, appends 100 bytes, then deletes every object of it from the bucket. */
    private String uploadThenLoseItsObjects() {
        String id = uploads.start(repo, "sha256").id();
        UploadWriter writer = uploads.openWriter(repo, id, new ContentRange(0, 99), null);
        writer.write(ByteBuffer.wrap(new byte[100]));
        assertThat(writer.complete().session().offset()).isEqualTo(100);
        int deleted = 0;
        for (S3Object object : server.client().listObjectsV2Paginator(r -> r.bucket(bucket)
                .prefix(prefix + "uploads/" + id + "/")).contents()) {
            server.client().deleteObject(r -> r.bucket(bucket).key(object.key()));
            deleted++;
        }
        assertThat(deleted).as("objects of upload %s", id).isPositive();
        return id;
    }

    private void assertUnknownAndPurged(String id, Runnable request) {
        assertThatThrownBy(request::run).isInstanceOfSatisfying(RegistryException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.BLOB_UPLOAD_UNKNOWN));
        assertThat(metadata.upload(id)).as("session of %s", id).isEmpty();
    }

    @Test
    void statusOfAnUploadWithoutItsObjectsIsUnknownAndPurgesIt() {
        String id = uploadThenLoseItsObjects();
        assertUnknownAndPurged(id, () -> uploads.status(repo, id));
    }

    @Test
    void chunkToAnUploadWithoutItsObjectsIsUnknownAndPurgesIt() {
        String id = uploadThenLoseItsObjects();
        assertUnknownAndPurged(id, () -> uploads.openWriter(repo, id, new ContentRange(100, 109), null));
    }

    @Test
    void finishingAnUploadWithoutItsObjectsIsUnknownAndPurgesIt() {
        String id = uploadThenLoseItsObjects();
        Digest digest = Digest.sha256("anything".getBytes(StandardCharsets.UTF_8));
        assertUnknownAndPurged(id, () -> uploads.openWriter(repo, id, null, digest).complete());
    }

    @Test
    void statusOfAnUploadWithItsObjectsStillAnswers() {
        String id = uploads.start(repo, "sha256").id();
        UploadWriter writer = uploads.openWriter(repo, id, new ContentRange(0, 99), null);
        writer.write(ByteBuffer.wrap(new byte[100]));
        writer.complete();
        assertThat(uploads.status(repo, id).offset()).isEqualTo(100);
    }
}
