package io.berth.testing;

import java.net.URI;

/** A registry server process started by a test: Berth itself, or the reference registry (CNCF Distribution). */
public interface RegistryUnderTest extends AutoCloseable {

    /** Features the reference registry lacks; tests of these run against Berth only. */
    enum Feature { REFERRERS, TAG_PAGINATION, TAG_DELETE, REPOSITORY_DELETE, SHA512, UPLOAD_CANCEL_STATUS }

    /** "berth" or "reference". */
    String name();

    /** host:port, e.g. 127.0.0.1:41234, as clients write it in image references. */
    String hostPort();

    /** http://host:port */
    default URI baseUri() {
        return URI.create("http://" + hostPort());
    }

    boolean supports(Feature feature);

    @Override
    void close();
}
