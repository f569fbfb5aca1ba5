package io.berth.scan.osv;

/** An OSV document that is not JSON or breaks the schema where Berth relies on it; the message says where. */
public final class OsvFormatException extends IllegalArgumentException {

    public OsvFormatException(String message) {
        super(message);
    }

    public OsvFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
