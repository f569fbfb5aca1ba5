package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
    /** The distribution-spec's error code table (spec.md, "Error Codes") with the status Berth answers. */
    private static final Map<String, Integer> SPEC = Map.ofEntries(
            Map.entry("BLOB_UNKNOWN", 404), Map.entry("BLOB_UPLOAD_INVALID", 400), Map.entry("BLOB_UPLOAD_UNKNOWN", 404),
            Map.entry("DIGEST_INVALID", 400), Map.entry("MANIFEST_BLOB_UNKNOWN", 400), Map.entry("MANIFEST_INVALID", 400),
            Map.entry("MANIFEST_UNKNOWN", 404), Map.entry("NAME_INVALID", 400), Map.entry("NAME_UNKNOWN", 404),
            Map.entry("SIZE_INVALID", 400), Map.entry("UNAUTHORIZED", 401), Map.entry("DENIED", 403),
            Map.entry("UNSUPPORTED", 405), Map.entry("TOOMANYREQUESTS", 429));

    @Test
    void everySpecCodeExistsWithItsStatus() {
        SPEC.forEach((code, status) -> assertThat(ErrorCode.valueOf(code).status()).as(code).isEqualTo(status));
    }

    @Test
    void everyCodeHasAMessage() {
        assertThat(Arrays.stream(ErrorCode.values())).allSatisfy(c -> assertThat(c.message()).isNotBlank());
    }
}
