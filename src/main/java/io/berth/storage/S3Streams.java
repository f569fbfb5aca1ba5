package io.berth.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import software.amazon.awssdk.core.ResponseInputStream;

/** The streams the S3 store reads uploads through: GETs one after another, and regions of a spool file. */
final class S3Streams {
    private S3Streams() {}

    @FunctionalInterface
    interface StreamSource {
        InputStream open() throws IOException;
    }

    /** The sources one after another, each opened when the previous one ends (a GET is not held open idle). */
    static final class ConcatenatedStream extends InputStream {
        private final List<StreamSource> sources;
        private int next;
        private InputStream current;

        ConcatenatedStream(List<StreamSource> sources) {
            this.sources = sources;
        }

        private boolean advance() throws IOException {
            while (current == null) {
                if (next == sources.size()) {
                    return false;
                }
                current = sources.get(next++).open();
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            while (advance()) {
                int n = current.read(buffer, offset, length);
                if (n >= 0) {
                    return n;
                }
                current.close();
                current = null;
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                if (current instanceof ResponseInputStream<?> response) {
                    response.abort();
                }
                current.close();
                current = null;
            }
            next = sources.size();
        }
    }

    /** length bytes of a file channel from position, read with positional reads (the channel's position is the writer's). */
    static final class FileRegionStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private long remaining;

        FileRegionStream(FileChannel channel, long position, long length) {
            this.channel = channel;
            this.position = position;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(length, remaining)), position);
            if (n < 0) {
                throw new IOException("spool file ended " + remaining + " bytes early");
            }
            position += n;
            remaining -= n;
            return n;
        }
    }
}
