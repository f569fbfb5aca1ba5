package io.berth.conformance;

import io.berth.testing.Response;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 written by hand over a socket, for requests java.net.http will not send: a chunked body without
 * Content-Length, Expect: 100-continue, paths the URI class rejects or normalises. One request per connection.
 */
final class RawHttp {
    private RawHttp() {}

    /** A request: the target is sent verbatim; Host and Connection: close are added. */
    record Request(String method, String target, List<String> headers, byte[] body, boolean chunked, boolean expectContinue) {
        static Request of(String method, String target, String... headers) {
            return new Request(method, target, List.of(headers), null, false, false);
        }

        Request body(byte[] bytes) {
            return new Request(method, target, headers, bytes, false, expectContinue);
        }

        /** The body goes as Transfer-Encoding: chunked, with no Content-Length. */
        Request chunkedBody(byte[] bytes) {
            return new Request(method, target, headers, bytes, true, expectContinue);
        }

        Request expectingContinue() {
            return new Request(method, target, headers, body, chunked, true);
        }
    }

    /** Every answer to one request: interim (1xx) answers first, the final answer last. */
    record Exchange(List<Response> interim, Response response, IOException writeFailure) {}

    static Response send(String hostPort, Request request) {
        return exchange(hostPort, request).response();
    }

    static Exchange exchange(String hostPort, Request request) {
        try (Socket socket = connect(hostPort)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            StringBuilder head = new StringBuilder()
                    .append(request.method()).append(' ').append(request.target()).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(hostPort).append("\r\n");
            for (int i = 0; i < request.headers().size(); i += 2) {
                head.append(request.headers().get(i)).append(": ").append(request.headers().get(i + 1)).append("\r\n");
            }
            byte[] body = request.body();
            if (body != null) {
                if (request.chunked()) {
                    head.append("Transfer-Encoding: chunked\r\n");
                } else {
                    head.append("Content-Length: ").append(body.length).append("\r\n");
                }
            }
            if (request.expectContinue()) {
                head.append("Expect: 100-continue\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();

            List<Response> interim = new ArrayList<>();
            IOException writeFailure = null;
            if (request.expectContinue()) {
                Response first = read(in, request);
                if (first.status() != 100) {
                    return new Exchange(interim, first, null);
                }
                interim.add(first);
            }
            if (body != null) {
                try {
                    out.write(request.chunked() ? chunked(body, 64 * 1024) : body);
                    out.flush();
                } catch (IOException e) {
                    // The server may answer (413, say) and close before reading the whole body; read that answer.
                    writeFailure = e;
                }
            }
            Response response = read(in, request);
            while (response.status() >= 100 && response.status() < 200) {
                interim.add(response);
                response = read(in, request);
            }
            return new Exchange(interim, response, writeFailure);
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.target(), e);
        }
    }

    /** A connection to hostPort (5 s to connect), whose reads give up after 30 s of silence. */
    private static Socket connect(String hostPort) throws IOException {
        String[] hp = hostPort.split(":");
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 5000);
            socket.setSoTimeout(30_000);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    static byte[] chunked(byte[] body, int chunkSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 64);
        for (int offset = 0; offset < body.length; offset += chunkSize) {
            int length = Math.min(chunkSize, body.length - offset);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, offset, length);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * Writes raw bytes holding several requests back to back on one connection, before reading any answer (HTTP/1.1
     * pipelining), then reads one answer per entry of methods, in order, until the server closes the connection.
     * Returns the answers that came; a closed connection ends the list early.
     */
    static List<Response> pipelined(String hostPort, byte[] wire, String... methods) {
        try (Socket socket = connect(hostPort)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write(wire);
            out.flush();
            List<Response> answers = new ArrayList<>();
            for (String method : methods) {
                Response answer;
                try {
                    answer = read(in, Request.of(method, "(pipelined request " + (answers.size() + 1) + ")"));
                } catch (IOException e) {
                    break;
                }
                while (answer.status() >= 100 && answer.status() < 200) {
                    answer = read(in, Request.of(method, "(pipelined request " + (answers.size() + 1) + ")"));
                }
                answers.add(answer);
            }
            return answers;
        } catch (IOException e) {
            throw new UncheckedIOException("pipelined requests", e);
        }
    }

    /** One request as bytes on the wire, kept alive: the head (Host added) and body exactly as given. */
    static byte[] wire(String hostPort, String method, String target, byte[] body, String... headers) {
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostPort).append("\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static Response read(InputStream in, Request request) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before a response to " + request.method() + " " + request.target());
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
        }
        byte[] body;
        String transferEncoding = first(headers, "Transfer-Encoding");
        String contentLength = first(headers, "Content-Length");
        if (request.method().equals("HEAD") || status < 200 || status == 204 || status == 304) {
            body = new byte[0];
        } else if (transferEncoding != null && transferEncoding.equalsIgnoreCase("chunked")) {
            body = readChunked(in);
        } else if (contentLength != null) {
            body = in.readNBytes(Integer.parseInt(contentLength));
        } else {
            body = in.readAllBytes();
        }
        return new Response(request.method(), request.target(), status, headers, body);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            if (sizeLine == null) {
                throw new IOException("truncated chunked body");
            }
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                String trailer = line(in);
                while (trailer != null && !trailer.isEmpty()) {
                    trailer = line(in); // trailers are ignored
                }
                return out.toByteArray();
            }
            out.write(in.readNBytes(size));
            line(in);
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** One CRLF-terminated line, or null at end of stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = out.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            out.write(b);
        }
        return out.size() == 0 ? null : out.toString(StandardCharsets.ISO_8859_1);
    }
}
