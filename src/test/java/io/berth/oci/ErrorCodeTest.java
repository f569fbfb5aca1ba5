package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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

    /** Codes outside the spec's table: Docker's RANGE_INVALID and Berth's own, each in use. */
    private static final Set<String> OTHERS = Set.of("RANGE_INVALID", "TAG_INVALID", "PAGINATION_NUMBER_INVALID",
            "NOT_FOUND", "INVALID_REQUEST", "UNAVAILABLE", "INTERNAL");

    @Test
    void theEnvelopeCarriesTheSpecsCodesAndOnlyTheOthersInUse() {
        Set<String> codes = Arrays.stream(ErrorCode.values()).map(c -> c.base().name()).collect(Collectors.toSet());
        Set<String> expected = new HashSet<>(SPEC.keySet());
        expected.addAll(OTHERS);
        assertThat(codes).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void anEntryThatAnswersWithAnotherCodeDiffersFromItOnlyInItsStatus() {
        assertThat(Arrays.stream(ErrorCode.values()).filter(c -> c.base() != c)).isNotEmpty().allSatisfy(c -> {
            assertThat(c.base().base()).as(c.name()).isEqualTo(c.base());
            assertThat(c.message()).as(c.name()).isEqualTo(c.base().message());
            assertThat(c.status()).as(c.name()).isNotEqualTo(c.base().status());
        });
    }

    @Test
    void theTableAloneDecidesTheStatus() {
        assertThat(new RegistryException(ErrorCode.TAG_MOVED, "moved").status()).isEqualTo(409);
        assertThat(new RegistryException(ErrorCode.STILL_REFERENCED, "referenced", null, Map.of("Allow", "GET")).status())
                .isEqualTo(405);
        // No constructor takes a status: a call site cannot override the table.
        assertThat(RegistryException.class.getConstructors()).noneMatch(c -> Arrays.asList(c.getParameterTypes()).contains(int.class));
    }

    @Test
    void everyCodeHasAMessage() {
        assertThat(Arrays.stream(ErrorCode.values())).allSatisfy(c -> assertThat(c.message()).isNotBlank());
    }
}
