package io.berth.registry;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

/**
 * RANGE_INVALID for a chunk that does not follow its upload (or an upload another request is writing to): the upload
 * stays open at offset, which the front door tells the client so it can resume.
 */
public final class UploadRangeException extends RegistryException {
    private final String uploadId;
    private final long offset;

    UploadRangeException(String message, String uploadId, long offset) {
        super(ErrorCode.RANGE_INVALID, message);
        this.uploadId = uploadId;
        this.offset = offset;
    }

    public String uploadId() {
        return uploadId;
    }

    /** The bytes the upload holds. */
    public long offset() {
        return offset;
    }
}
