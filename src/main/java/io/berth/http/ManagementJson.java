package io.berth.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * JSON request bodies of the management API: at most 64 KiB, one object bound to a request record. Binding is strict:
 * an unknown field, a duplicate field, a value of the wrong JSON type (no "5" for 5, no 5.0 or 1e20 for an integer,
 * no number for a string, no nested array for a string) is refused with 400 naming the field. Each record checks the
 * ranges of its own fields in its constructor, through {@link #field}.
 */
final class ManagementJson {
    private static final int MAX_BODY = 64 * 1024;

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                    DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT, DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY,
                    DeserializationFeature.UNWRAP_SINGLE_VALUE_ARRAYS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private ManagementJson() {}

    interface Handler<T> {
        Response handle(T request) throws Exception;
    }

    /** Reads the body as type (an empty body as {}), then answers with handler. */
    static <T> Outcome body(Class<T> type, Handler<T> handler) {
        return new SmallBody(MAX_BODY, () -> invalid("request body too large"),
                bytes -> handler.handle(read(type, bytes.length == 0 ? "{}".getBytes() : bytes)));
    }

    static <T> T read(Class<T> type, byte[] bytes) {
        try {
            T value = STRICT.readValue(bytes, type);
            if (value == null) {
                // The JSON literal null: every management body is an object.
                throw invalid("request body must be a JSON object, not null");
            }
            return value;
        } catch (JsonMappingException e) {
            throw refusal(e);
        } catch (StreamReadException e) {
            throw invalid("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("request body is not valid JSON");
        }
    }

    private static RegistryException refusal(JsonMappingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RegistryException checked) {
                return checked;
            }
        }
        String path = path(e);
        if (path.isEmpty()) {
            return invalid("request body must be a JSON object");
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            Collection<Object> known = unknown.getKnownPropertyIds();
            return field(path, "is not known here" + (known == null || known.isEmpty() ? ""
                    : " (known: " + String.join(", ", new TreeSet<>(known.stream().map(String::valueOf).toList())) + ")"));
        }
        if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Missing required")) {
            return field(path, "is required (null where that means none)");
        }
        if (e.getCause() instanceof InputCoercionException) {
            return field(path, "is out of range");
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return field(path, "must be " + describe(mismatch.getTargetType()));
        }
        return field(path, "is invalid");
    }

    /** "keep[1]", "quotaBytes": the field a binding failure is about. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "a JSON object";
    }

    // ---- checks the request records make in their constructors

    /** A refusal naming the field: "field 'keepLast' must be ...", with the field in the error's detail. */
    static RegistryException field(String name, String problem) {
        return new RegistryException(ErrorCode.INVALID_REQUEST, "field '" + name + "' " + problem, Map.of("field", name));
    }

    static <T> T required(T value, String name) {
        if (value == null) {
            throw field(name, "is required");
        }
        return value;
    }

    /** A string of 1 to max characters, or null when absent. */
    static String text(String value, String name, int max) {
        if (value != null && (value.isEmpty() || value.length() > max)) {
            throw field(name, "must have 1 to " + max + " characters");
        }
        return value;
    }

    static Integer range(Integer value, String name, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw field(name, "must be a whole number from " + min + " to " + max);
        }
        return value;
    }

    static Long range(Long value, String name, long min, long max) {
        if (value != null && (value < min || value > max)) {
            throw field(name, "must be a whole number from " + min + " to " + max);
        }
        return value;
    }

    /** A list of at most max strings, each of 1 to maxLength characters; null when absent. */
    static List<String> strings(List<String> values, String name, int max, int maxLength) {
        if (values == null) {
            return null;
        }
        if (values.size() > max) {
            throw field(name, "may hold at most " + max + " entries");
        }
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (value == null || value.isEmpty() || value.length() > maxLength) {
                throw field(name + "[" + i + "]", "must be a string of 1 to " + maxLength + " characters");
            }
        }
        return List.copyOf(values);
    }

    /** A query flag: absent or "false" is false, "true" is true, anything else is refused. */
    static boolean flag(Exchange ex, String name) {
        String value = ex.query(name);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new RegistryException(ErrorCode.INVALID_REQUEST, "query parameter '" + name + "' must be true or false",
                Map.of("field", name));
    }

    static RegistryException invalid(String message) {
        return new RegistryException(ErrorCode.INVALID_REQUEST, message);
    }
}
