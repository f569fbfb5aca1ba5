package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line's streaming JSON reads and writes the same trees and text as an ObjectMapper does. */
class JsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SAMPLE = "{\"a\":1,\"b\":12345678901,\"c\":123456789012345678901234567890,\"d\":1.5,"
            + "\"e\":-2.5E-7,\"f\":\"t\\u00e9xt \\\"q\\\"\",\"g\":true,\"h\":false,\"i\":null,\"j\":[],\"k\":{},"
            + "\"l\":[{\"m\":[1,[2,{\"n\":\"o\"}]]}],\"a\":2}";

    @Test
    void readsWhatReadTreeReads() throws IOException {
        byte[] bytes = SAMPLE.getBytes(StandardCharsets.UTF_8);
        JsonNode ours = Json.read(bytes);
        assertThat(ours).isEqualTo(MAPPER.readTree(bytes));
        assertThat(ours.get("b").isLong()).isTrue();
        assertThat(ours.get("c").isBigInteger()).isTrue();
        assertThat(Json.read(new byte[0]).isMissingNode()).isTrue();
        assertThat(Json.read("[1,2]".getBytes(StandardCharsets.UTF_8))).isEqualTo(MAPPER.readTree("[1,2]"));
        assertThatThrownBy(() -> Json.read("{\"a\":".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Json.read("<html>".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class);
    }

    @Test
    void writesWhatTheMapperWrites() throws IOException {
        JsonNode tree = MAPPER.readTree(SAMPLE);
        assertThat(Json.write(tree)).isEqualTo(tree.toString());
        assertThat(Json.write(tree, true)).isEqualTo(tree.toPrettyString());
        assertThat(Json.write(Json.object().put("password", "p\"w").put("n", 3L), true))
                .isEqualTo(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(
                        MAPPER.createObjectNode().put("password", "p\"w").put("n", 3L)));
    }
}
