package io.berth.config;

/** A configuration a user must fix; its message says what and where. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
