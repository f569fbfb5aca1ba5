package io.berth.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What an S3 upload holds at one recorded length: its part size, which object holds each full part, and (in the
 * same state object, after this header) the tail that does not fill a part. See docs/design/s3-uploads.md.
 *
 * <p>The header is one line of ASCII: {@code berth-upload 1 <partSize> <length> <runs>}, where runs is {@code -} or
 * a comma list of {@code first-last:token} (parts first..last were written by the append with that token).
 */
record S3UploadState(long partSize, long length, List<Run> runs) {
    private static final String MAGIC = "berth-upload 1";
    /** A header longer than this is not ours (10,000 one-part runs fit in about 250 KB). */
    private static final int MAX_HEADER = 1 << 20;

    /** Parts first..last (numbered from 1) are the objects written by the append with this token. */
    record Run(int first, int last, String token) {}

    S3UploadState {
        runs = List.copyOf(runs);
        int expected = 1;
        for (Run run : runs) {
            if (run.first() != expected || run.last() < run.first()) {
                throw new IllegalArgumentException("part runs must be contiguous from part 1");
            }
            expected = run.last() + 1;
        }
        if (expected - 1 != fullParts(partSize, length)) {
            throw new IllegalArgumentException("part runs do not cover the " + fullParts(partSize, length) + " full parts");
        }
    }

    static S3UploadState empty(long partSize) {
        return new S3UploadState(partSize, 0, List.of());
    }

    private static int fullParts(long partSize, long length) {
        return Math.toIntExact(length / partSize);
    }

    /** Parts 1..fullParts are complete part objects. */
    int fullParts() {
        return fullParts(partSize, length);
    }

    /** Bytes after the last full part; they live in the state object after the header. */
    long tailLength() {
        return length % partSize;
    }

    /** Where the tail starts in the upload. */
    long tailOffset() {
        return length - tailLength();
    }

    String token(int part) {
        for (Run run : runs) {
            if (part >= run.first() && part <= run.last()) {
                return run.token();
            }
        }
        throw new IllegalArgumentException("no part " + part + " in an upload of " + length + " bytes");
    }

    /** The state after an append that wrote parts fullParts()+1.. under token and ended at newLength. */
    S3UploadState extendedTo(long newLength, String token) {
        int last = fullParts(partSize, newLength);
        List<Run> extended = new ArrayList<>(runs);
        if (last > fullParts()) {
            extended.add(new Run(fullParts() + 1, last, token));
        }
        return new S3UploadState(partSize, newLength, extended);
    }

    byte[] header() {
        StringBuilder line = new StringBuilder(MAGIC).append(' ').append(partSize).append(' ').append(length).append(' ');
        if (runs.isEmpty()) {
            line.append('-');
        }
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            line.append(i == 0 ? "" : ",").append(run.first()).append('-').append(run.last()).append(':').append(run.token());
        }
        return line.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A parsed header and how many bytes it took, so the tail can be found after it. */
    record Parsed(S3UploadState state, int headerLength) {}

    /**
     * Reads the header line from in, leaving in at the first byte of the tail; null when in ends before the line
     * does (a read of the object's first bytes only).
     */
    static Parsed parse(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                return null;
            }
            if (line.size() >= MAX_HEADER) {
                throw new IOException("not an upload state object");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.US_ASCII);
        try {
            if (!text.startsWith(MAGIC + " ")) {
                throw new IllegalArgumentException("unknown format");
            }
            String[] fields = text.substring(MAGIC.length() + 1).split(" ");
            if (fields.length != 3) {
                throw new IllegalArgumentException("expected 3 fields");
            }
            List<Run> runs = new ArrayList<>();
            if (!fields[2].equals("-")) {
                for (String run : fields[2].split(",")) {
                    int dash = run.indexOf('-');
                    int colon = run.indexOf(':');
                    runs.add(new Run(Integer.parseInt(run.substring(0, dash)), Integer.parseInt(run.substring(dash + 1, colon)),
                            run.substring(colon + 1)));
                }
            }
            return new Parsed(new S3UploadState(Long.parseLong(fields[0]), Long.parseLong(fields[1]), runs), line.size() + 1);
        } catch (RuntimeException e) {
            throw new IOException("unreadable upload state (" + e.getMessage() + "): " + text, e);
        }
    }
}
