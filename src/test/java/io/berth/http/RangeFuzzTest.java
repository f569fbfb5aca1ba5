package io.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.registry.ContentRange;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Any Range header of a blob GET and any Content-Range header of an upload PATCH either parses or is refused with the
 * documented answer (416 RANGE_INVALID, or the whole blob for a Range Berth does not use); a range Berth serves lies
 * inside the blob, and a chunk's range prints back to the same range.
 */
class RangeFuzzTest {
    @DictionaryEntries({"bytes=", "bytes ", "-", "/", "/*", ",", "999999999999999999", "9223372036854775807"})
    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyRangeAndContentRangeParsesOrIsRefusedWithItsCode(FuzzedDataProvider data) {
        long size = data.consumeBoolean() ? data.consumeLong(0, 1024) : data.consumeLong(0, Long.MAX_VALUE);
        String header = data.consumeRemainingAsString();

        long[] range = ByteRanges.parse(header, size);
        if (range != null && range.length > 0) {
            assertThat(range).hasSize(2);
            assertThat(range[0]).isBetween(0L, range[1]);
            assertThat(range[1]).isLessThan(size);
        }

        try {
            ContentRange chunk = ContentRange.parse(header);
            assertThat(chunk.start()).isNotNegative();
            assertThat(chunk.length()).isPositive();
            assertThat(ContentRange.parse(chunk.start() + "-" + chunk.end())).isEqualTo(chunk);
        } catch (RegistryException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.RANGE_INVALID);
        }
    }
}
