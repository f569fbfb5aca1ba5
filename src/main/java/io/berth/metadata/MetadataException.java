package io.berth.metadata;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** A failure of the metadata store itself (not a client's mistake): the request fails with 500 or 503. */
public final class MetadataException extends RuntimeException {
    public MetadataException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /**
     * True when the database could not be reached (no connection within the pool's timeout, a connection lost, the
     * server shutting down or starting): a passing condition the client may retry, not a fault of this request.
     */
    public boolean unavailable() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exceptions; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now.
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                    return true;
                }
            }
        }
        return false;
    }
}
