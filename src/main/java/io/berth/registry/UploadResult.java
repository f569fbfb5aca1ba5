package io.berth.registry;

import io.berth.model.UploadSession;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;

/** The outcome of an upload request: still open (session set) or a committed blob (digest set). */
public record UploadResult(RepositoryName repository, UploadSession session, Digest digest) {
    public static UploadResult open(UploadSession session) {
        return new UploadResult(session.repository(), session, null);
    }

    public static UploadResult committed(RepositoryName repository, Digest digest) {
        return new UploadResult(repository, null, digest);
    }

    public boolean isCommitted() {
        return digest != null;
    }
}
