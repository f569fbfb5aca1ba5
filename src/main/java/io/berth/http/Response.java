package io.berth.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A response: status, headers, and a body of bytes, a file range (sent zero-copy), or nothing. */
public final class Response implements Outcome {
    private final HttpResponseStatus status;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private byte[] bytes;
    private Path file;
    private long fileOffset;
    private long fileLength;
    private long contentLength = -1;
    private StreamSource stream;

    /** Opens the bytes of a streamed body; called on a blocking thread. */
    @FunctionalInterface
    public interface StreamSource {
        java.io.InputStream open() throws java.io.IOException;
    }

    private Response(HttpResponseStatus status) {
        this.status = status;
    }

    public static Response status(int code) {
        return new Response(HttpResponseStatus.valueOf(code));
    }

    public Response header(String name, String value) {
        headers.add(Map.entry(name, value));
        return this;
    }

    public Response header(String name, long value) {
        return header(name, Long.toString(value));
    }

    public Response body(byte[] content, String contentType) {
        this.bytes = content;
        this.contentLength = content.length;
        return contentType == null ? this : header("Content-Type", contentType);
    }

    public Response json(String json) {
        return body(json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    /** Sends length bytes of file from offset. */
    public Response file(Path path, long offset, long length) {
        this.file = path;
        this.fileOffset = offset;
        this.fileLength = length;
        this.contentLength = length;
        return this;
    }

    /** Sends length bytes read from a stream (object storage), pumped on a blocking thread with back-pressure. */
    public Response stream(StreamSource source, long length) {
        this.stream = source;
        this.contentLength = length;
        return this;
    }

    public StreamSource stream() {
        return stream;
    }

    /** A body-less answer that announces a length (HEAD, or GET of a 0-byte blob). */
    public Response contentLength(long length) {
        this.contentLength = length;
        return this;
    }

    public HttpResponseStatus status() {
        return status;
    }

    public List<Map.Entry<String, String>> headers() {
        return headers;
    }

    public byte[] bytes() {
        return bytes;
    }

    public Path file() {
        return file;
    }

    public long fileOffset() {
        return fileOffset;
    }

    public long fileLength() {
        return fileLength;
    }

    /** The Content-Length to announce; 0 when there is no body. */
    public long contentLength() {
        return Math.max(0, contentLength);
    }
}
