package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.io.IOException;

/** JSON request bodies of the management API: at most 64 KiB, an object, fields read with clear errors. */
final class ManagementJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 * 1024;

    private ManagementJson() {}

    interface Handler {
        Response handle(JsonNode body) throws Exception;
    }

    static Outcome body(Handler handler) {
        return new SmallBody(MAX_BODY, () -> invalid("request body too large"), bytes -> {
            JsonNode body;
            try {
                body = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
            } catch (IOException e) {
                throw invalid("request body is not JSON");
            }
            if (body == null || !body.isObject()) {
                throw invalid("request body must be a JSON object");
            }
            return handler.handle(body);
        });
    }

    static String text(JsonNode body, String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw invalid("field '" + field + "' is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw invalid("field '" + field + "' must be a string");
        }
        return value.textValue();
    }

    static boolean bool(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value != null && !value.isNull() && !value.isBoolean()) {
            throw invalid("field '" + field + "' must be true or false");
        }
        return value != null && value.booleanValue();
    }

    static RegistryException invalid(String message) {
        return new RegistryException(ErrorCode.INVALID_REQUEST, message);
    }
}
