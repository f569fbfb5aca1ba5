package io.berth.http;

import io.berth.oci.RegistryException;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.function.Supplier;

/** Collects a small request body (a manifest, a form, a JSON document) up to a limit, then answers from it. */
final class SmallBody implements BodyConsumer {
    @FunctionalInterface
    interface Handler {
        Response handle(byte[] body) throws Exception;
    }

    private final int limit;
    private final Supplier<RegistryException> tooLarge;
    private final Handler handler;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    SmallBody(int limit, Supplier<RegistryException> tooLarge, Handler handler) {
        this.limit = limit;
        this.tooLarge = tooLarge;
        this.handler = handler;
    }

    @Override
    public void onData(ByteBuf content) throws java.io.IOException {
        if (body.size() + content.readableBytes() > limit) {
            throw tooLarge.get();
        }
        content.getBytes(content.readerIndex(), body, content.readableBytes());
    }

    @Override
    public Response finish() throws Exception {
        return handler.handle(body.toByteArray());
    }

    @Override
    public void abort() {}

    /** The error family of the body's other failures: MANIFEST_INVALID for a manifest, say. */
    @Override
    public RegistryException malformed() {
        return new RegistryException(tooLarge.get().code().base(), "malformed request body");
    }
}
