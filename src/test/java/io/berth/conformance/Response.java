package io.berth.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** One HTTP answer: status, headers (names case-insensitive) and body. */
record Response(String method, String url, int status, Map<String, List<String>> headers, byte[] body) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The first value of a header, or null. */
    String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of a header, comma-separated lists split apart. */
    List<String> headerValues(String name) {
        List<String> out = new ArrayList<>();
        for (String value : headers.getOrDefault(name, List.of())) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + this, e);
        }
    }

    /** The Location header, which may be relative or absolute. */
    String location() {
        return Objects.requireNonNull(header("Location"), () -> "no Location in " + this);
    }

    @Override
    public String toString() {
        String shown = body.length > 2000 ? new String(body, 0, 2000, StandardCharsets.UTF_8) + "..." : text();
        return method + " " + url + " -> " + status + " " + headers + " body=" + shown;
    }
}
