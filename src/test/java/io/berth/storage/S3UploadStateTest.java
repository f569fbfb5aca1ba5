package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class S3UploadStateTest {
    private static final long PART = 5L << 20;

    @Test
    void headerRoundTripsAndLeavesTheStreamAtTheTail() throws Exception {
        S3UploadState state = S3UploadState.empty(PART).extendedTo(2 * PART + 7, "aaaa").extendedTo(3 * PART, "bbbb");
        assertThat(state.runs()).containsExactly(new S3UploadState.Run(1, 2, "aaaa"), new S3UploadState.Run(3, 3, "bbbb"));
        byte[] header = state.header();
        byte[] object = Arrays.copyOf(header, header.length + 3);
        ByteArrayInputStream in = new ByteArrayInputStream(object);
        S3UploadState.Parsed parsed = S3UploadState.parse(in);
        assertThat(parsed.state()).isEqualTo(state);
        assertThat(parsed.headerLength()).isEqualTo(header.length);
        assertThat(in.available()).isEqualTo(3);
        assertThat(state.token(3)).isEqualTo("bbbb");
        assertThat(state.tailLength()).isZero();
    }

    @Test
    void anAppendWithinOnePartAddsNoRun() {
        S3UploadState state = S3UploadState.empty(PART).extendedTo(100, "aaaa").extendedTo(200, "bbbb");
        assertThat(state.runs()).isEmpty();
        assertThat(state.tailOffset()).isZero();
        assertThat(state.tailLength()).isEqualTo(200);
    }

    @Test
    void truncatedHeaderReadsAsNullAndForeignObjectsFail() throws Exception {
        byte[] header = S3UploadState.empty(PART).extendedTo(PART, "aaaa").header();
        assertThat(S3UploadState.parse(new ByteArrayInputStream(Arrays.copyOf(header, 10)))).isNull();
        assertThatThrownBy(() -> S3UploadState.parse(new ByteArrayInputStream("something else\n".getBytes())))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new S3UploadState(PART, 2 * PART, List.of(new S3UploadState.Run(1, 1, "a"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
