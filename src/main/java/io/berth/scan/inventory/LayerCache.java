package io.berth.scan.inventory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded in-memory LRU of layers' findings by digest, weighed by the number of files and packages each holds, so
 * that a base layer shared by many images is read once. Thread-safe. A persistent tier can sit behind it through
 * {@link LayerFindings#toJson()}.
 */
public final class LayerCache {

    private final long maxWeight;
    private long weight;
    private long hits;
    private long misses;
    private final LinkedHashMap<String, LayerFindings> entries = new LinkedHashMap<>(16, 0.75f, true);

    /** @param maxWeight how many files and packages the cache holds at most, in all its entries */
    public LayerCache(long maxWeight) {
        if (maxWeight < 1) {
            throw new IllegalArgumentException("maxWeight must be positive");
        }
        this.maxWeight = maxWeight;
    }

    private static long weigh(LayerFindings findings) {
        return 1L + findings.files().size() + findings.packageCount();
    }

    public synchronized LayerFindings get(String digest) {
        LayerFindings found = entries.get(digest);
        if (found == null) {
            misses++;
        } else {
            hits++;
        }
        return found;
    }

    public synchronized void put(LayerFindings findings) {
        long w = weigh(findings);
        if (w > maxWeight) {
            return;
        }
        LayerFindings old = entries.put(findings.digest(), findings);
        if (old != null) {
            weight -= weigh(old);
        }
        weight += w;
        var it = entries.entrySet().iterator();
        while (weight > maxWeight && it.hasNext()) {
            Map.Entry<String, LayerFindings> eldest = it.next();
            weight -= weigh(eldest.getValue());
            it.remove();
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }
}
