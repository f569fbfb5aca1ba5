package io.berth.registry;

import io.berth.oci.Digest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Manifest bytes by digest, least recently used out first. Content addressed, so it can never be stale: the
 * facts that decide whether a repository may read them are always asked of the metadata store.
 */
public final class ManifestCache {
    private final java.util.concurrent.atomic.LongAdder hits = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder misses = new java.util.concurrent.atomic.LongAdder();
    private final long maxBytes;
    /** Guarded by this. */
    private final LinkedHashMap<Digest, byte[]> entries = new LinkedHashMap<>(256, 0.75f, true);
    /** Guarded by this. */
    private long bytes;

    public ManifestCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public synchronized byte[] get(Digest digest) {
        byte[] content = entries.get(digest);
        (content == null ? misses : hits).increment();
        return content;
    }

    /** Lookups that found their manifest (the metrics' cache hits). */
    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public synchronized void put(Digest digest, byte[] content) {
        if (content.length > maxBytes / 4) {
            return;
        }
        byte[] previous = entries.put(digest, content);
        if (previous != null) {
            bytes -= previous.length;
        }
        bytes += content.length;
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Digest, byte[]> eldest = it.next();
            bytes -= eldest.getValue().length;
            it.remove();
        }
    }
}
