package io.berth.http;

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
}
