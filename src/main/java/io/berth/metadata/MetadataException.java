package io.berth.metadata;

import java.sql.SQLException;

/** A failure of the metadata store itself (not a client's mistake): the request fails with 500 or 503. */
public final class MetadataException extends RuntimeException {
    public MetadataException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
