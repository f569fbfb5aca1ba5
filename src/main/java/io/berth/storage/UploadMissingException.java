package io.berth.storage;

import java.io.IOException;

/**
 * The store holds fewer bytes of an upload than its session records, or none: they were lost (a crash before they
 * reached the disk, someone deleting files). The upload cannot be continued; its session should go with it.
 */
public final class UploadMissingException extends IOException {
    public UploadMissingException(String message) {
        super(message);
    }
}
