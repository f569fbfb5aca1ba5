package io.berth.model;

import io.berth.oci.RepositoryName;
import java.time.Instant;

/** An upload in progress: where it goes, how many bytes it holds, and which algorithm its digest uses. */
public record UploadSession(String id, RepositoryName repository, String algorithm, long offset, Instant startedAt,
                            Instant updatedAt) {
    public UploadSession withOffset(long newOffset, Instant now) {
        return new UploadSession(id, repository, algorithm, newOffset, startedAt, now);
    }
}
