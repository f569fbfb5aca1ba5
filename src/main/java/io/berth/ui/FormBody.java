package io.berth.ui;

import io.berth.http.BodyConsumer;
import io.berth.http.Response;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.Map;

/** A small application/x-www-form-urlencoded body, collected up to a limit, then handed over decoded. */
final class FormBody implements BodyConsumer {
    @FunctionalInterface
    interface Handler {
        Response handle(Map<String, String> form) throws Exception;
    }

    private final int limit;
    private final Handler handler;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    FormBody(int limit, Handler handler) {
        this.limit = limit;
        this.handler = handler;
    }

    @Override
    public void onData(ByteBuf content) throws java.io.IOException {
        if (body.size() + content.readableBytes() > limit) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, "form too large");
        }
        content.getBytes(content.readerIndex(), body, content.readableBytes());
    }

    @Override
    public Response finish() throws Exception {
        return handler.handle(WebUi.decodeForm(body.toByteArray()));
    }

    @Override
    public void abort() {}
}
