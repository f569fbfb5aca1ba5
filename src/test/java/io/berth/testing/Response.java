package io.berth.testing;

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
public record Response(String method, String url, int status, Map<String, List<String>> headers, byte[] body) {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of a header, comma-separated lists split apart. */
    public List<String> headerValues(String name) {
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

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + this, e);
        }
    }

    /** The Location header, which may be relative or absolute. */
    public String location() {
        return Objects.requireNonNull(header("Location"), () -> "no Location in " + this);
    }

    /** The code of the first error in the registry's error envelope, or "" when the body is none. */
    public String errorCode() {
        return firstError("code");
    }

    /** The message of the first error in the registry's error envelope, or "". */
    public String message() {
        return firstError("message");
    }

    private String firstError(String field) {
        try {
            return JSON.readTree(body).path("errors").path(0).path(field).asText();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Fails (with the whole answer) unless the status is the expected one; returns this answer. */
    public Response expect(int expected) {
        if (status != expected) {
            throw new UnexpectedStatus(expected, this);
        }
        return this;
    }

    /** An answer with another status than the test expected. */
    public static final class UnexpectedStatus extends AssertionError {
        private final transient Response response;

        UnexpectedStatus(int expected, Response response) {
            super("expected " + expected + ", got " + response);
            this.response = response;
        }

        public Response response() {
            return response;
        }
    }

    @Override
    public String toString() {
        String shown = body.length > 2000 ? new String(body, 0, 2000, StandardCharsets.UTF_8) + "..." : text();
        return method + " " + url + " -> " + status + " " + headers + " body=" + shown;
    }
}
