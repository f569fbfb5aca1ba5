package io.berth.scan.inventory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * rpm's Berkeley DB {@code Packages} database (rpm before 4.16: RHEL/CentOS 7 and 8, Amazon Linux 2), read without
 * Berkeley DB: it is a hash database whose values are rpm header blobs. Every hash page's data items are taken, inline
 * ({@code H_KEYDATA}) or on a chain of overflow pages ({@code H_OFFPAGE}); the page layout is Berkeley DB's
 * (26-byte page header, item offsets after it), in the byte order its metadata page's magic number shows.
 */
final class RpmBerkeleyDb {

    private static final int HASH_MAGIC = 0x061561;
    private static final int PAGE_HEADER = 26;
    private static final int P_HASH_UNSORTED = 2;
    private static final int P_OVERFLOW = 7;
    private static final int P_HASH = 13;
    private static final int H_KEYDATA = 1;
    private static final int H_OFFPAGE = 3;
    private static final int MAX_HEADER = 64 << 20;

    private RpmBerkeleyDb() {
    }

    static List<FoundPackage> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer meta = ByteBuffer.allocate(512);
            ch.read(meta, 0);
            meta.order(ByteOrder.LITTLE_ENDIAN);
            if (meta.getInt(12) != HASH_MAGIC) {
                meta.order(ByteOrder.BIG_ENDIAN);
                if (meta.getInt(12) != HASH_MAGIC) {
                    throw new IOException("not a Berkeley DB hash database");
                }
            }
            ByteOrder order = meta.order();
            int pageSize = meta.getInt(20);
            if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
                throw new IOException("Berkeley DB page size out of range: " + pageSize);
            }
            long pages = ch.size() / pageSize;
            List<FoundPackage> out = new ArrayList<>();
            ByteBuffer page = ByteBuffer.allocate(pageSize).order(order);
            for (long n = 1; n < pages; n++) {
                readPage(ch, page, n, pageSize);
                int type = page.get(25) & 0xff;
                if (type != P_HASH && type != P_HASH_UNSORTED) {
                    continue;
                }
                int entries = page.getShort(20) & 0xffff;
                for (int i = 1; i < entries && PAGE_HEADER + 2 * i + 2 <= pageSize; i += 2) { // data items: odd
                    int off = page.getShort(PAGE_HEADER + 2 * i) & 0xffff;
                    int end = page.getShort(PAGE_HEADER + 2 * (i - 1)) & 0xffff;
                    if (off >= pageSize || end > pageSize || end <= off) {
                        continue;
                    }
                    byte[] value = switch (page.get(off) & 0xff) {
                        case H_KEYDATA -> slice(page, off + 1, end - off - 1);
                        case H_OFFPAGE -> overflow(ch, page.getInt(off + 4), page.getInt(off + 8), pageSize, order,
                                pages);
                        default -> null;
                    };
                    if (value == null || value.length < 16) {
                        continue; // rpm's record 0 (the header instance counter) and anything not a header
                    }
                    FoundPackage p = RpmDatabase.header(value);
                    if (p != null && !p.name().equals("gpg-pubkey")) {
                        out.add(p);
                    }
                }
            }
            return out;
        }
    }

    private static byte[] overflow(FileChannel ch, int first, int total, int pageSize, ByteOrder order, long pages)
            throws IOException {
        if (total < 0 || total > MAX_HEADER) {
            throw new IOException("Berkeley DB overflow item of " + total + " bytes");
        }
        byte[] out = new byte[total];
        int have = 0;
        ByteBuffer page = ByteBuffer.allocate(pageSize).order(order);
        long next = first & 0xffffffffL;
        for (int hops = 0; have < total && next != 0 && next < pages && hops <= pages; hops++) {
            readPage(ch, page, next, pageSize);
            if ((page.get(25) & 0xff) != P_OVERFLOW) {
                throw new IOException("Berkeley DB page " + next + " is no overflow page");
            }
            int used = Math.min(page.getShort(22) & 0xffff, pageSize - PAGE_HEADER);
            int n = Math.min(used, total - have);
            page.get(PAGE_HEADER, out, have, n);
            have += n;
            next = page.getInt(16) & 0xffffffffL;
        }
        if (have < total) {
            throw new IOException("Berkeley DB overflow chain ends after " + have + " of " + total + " bytes");
        }
        return out;
    }

    private static void readPage(FileChannel ch, ByteBuffer page, long n, int pageSize) throws IOException {
        page.clear();
        long pos = n * pageSize;
        while (page.hasRemaining()) {
            if (ch.read(page, pos + page.position()) < 0) {
                throw new IOException("Berkeley DB file ends inside page " + n);
            }
        }
    }

    private static byte[] slice(ByteBuffer page, int from, int length) {
        byte[] out = new byte[length];
        page.get(from, out, 0, length);
        return out;
    }
}
