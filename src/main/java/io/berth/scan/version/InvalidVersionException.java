package io.berth.scan.version;

/** A version string that its ecosystem's grammar does not accept; the message names the scheme, the text and why. */
public final class InvalidVersionException extends IllegalArgumentException {

    public InvalidVersionException(String scheme, String version, String reason) {
        super(scheme + " version '" + version + "' is invalid: " + reason);
    }
}
