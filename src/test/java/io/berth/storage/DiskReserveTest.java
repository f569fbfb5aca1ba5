package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.metadata.MetadataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class DiskReserveTest {
    @TempDir
    Path dir;

    @Test
    void outOfSpaceIsRecognisedFromTheFilesystemAndFromSqliteThroughWrappers() {
        assertThat(DiskReserve.isNoSpace(new IOException("No space left on device"))).isTrue();
        assertThat(DiskReserve.isNoSpace(new UncheckedIOException(new IOException("writing failed",
                new IOException("No space left on device"))))).isTrue();
        assertThat(DiskReserve.isNoSpace(new MetadataException(new SQLException(
                "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)", null, 13)))).isTrue();
        assertThat(DiskReserve.isNoSpace(new DiskReserve.StorageFullException())).isTrue();

        assertThat(DiskReserve.isNoSpace(new IOException("Connection reset by peer"))).isFalse();
        assertThat(DiskReserve.isNoSpace(new IllegalStateException("No space left on device"))).isFalse();
        assertThat(DiskReserve.isNoSpace(new MetadataException(new SQLException("locked", null, 5)))).isFalse();
    }

    @Test
    void theReserveIsHeldReleasedOnTheFirstOutOfSpaceAndReCreatedWhenThereIsRoom() throws IOException {
        DiskReserve reserve = DiskReserve.open(dir);
        Path file = dir.resolve("reserve.space");
        assertThat(Files.size(file)).isEqualTo(DiskReserve.SIZE);
        assertThat(reserve.full()).isFalse();

        assertThat(reserve.noteFailure(new IOException("Broken pipe"))).isFalse();
        assertThat(reserve.full()).isFalse();
        assertThat(reserve.noteFailure(new IOException("No space left on device"))).isTrue();
        assertThat(reserve.full()).isTrue();
        assertThat(file).doesNotExist();

        reserve.check();
        assertThat(reserve.full()).isFalse();
        assertThat(Files.size(file)).isEqualTo(DiskReserve.SIZE);
    }
}
