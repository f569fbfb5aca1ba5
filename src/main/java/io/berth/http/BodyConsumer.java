package io.berth.http;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.netty.buffer.ByteBuf;

/**
 * Receives a request body. {@link #onData} runs on the connection's event loop and must not block;
 * {@link #finish} runs on the blocking executor after the last byte; {@link #abort} when the request fails or the
 * connection closes first.
 */
public non-sealed interface BodyConsumer extends Outcome {
    void onData(ByteBuf content) throws Exception;

    Response finish() throws Exception;

    void abort();

    /** What a body the HTTP decoder could not read (a broken chunk) answers, after {@link #abort}. */
    default RegistryException malformed() {
        return new RegistryException(ErrorCode.INVALID_REQUEST, "malformed request body");
    }
}
