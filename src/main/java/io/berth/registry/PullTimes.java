package io.berth.registry;

import io.berth.metadata.MetadataStore;
import io.berth.model.Listings.LastPull;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When manifests were last pulled, kept in memory and written to the metadata store in one batch by {@link #flush}
 * (the server calls it every few seconds and at shutdown): a pull costs a map update, never a database write. Each
 * node flushes its own; the store keeps the latest time of all. At most {@link #MAX_PENDING} manifests wait between
 * flushes; a pull of another one beyond that is not remembered (the next pull after the flush is).
 */
final class PullTimes {
    static final int MAX_PENDING = 100_000;

    private record Key(RepositoryName repository, Digest digest) {}

    private final MetadataStore metadata;
    private final Clock clock;
    /** Guarded by being a concurrent map: pulls merge the latest time, flush removes only what it wrote. */
    private final Map<Key, Long> pending = new ConcurrentHashMap<>();

    PullTimes(MetadataStore metadata, Clock clock) {
        this.metadata = metadata;
        this.clock = clock;
    }

    void pulled(RepositoryName repository, Digest digest) {
        Key key = new Key(repository, digest);
        if (pending.size() >= MAX_PENDING && !pending.containsKey(key)) {
            return;
        }
        pending.merge(key, clock.millis(), Math::max);
    }

    /** Writes the pulls remembered so far; returns how many manifests it wrote. A failed write keeps them. */
    int flush() {
        List<LastPull> pulls = new ArrayList<>();
        for (Map.Entry<Key, Long> entry : pending.entrySet()) {
            pulls.add(new LastPull(entry.getKey().repository(), entry.getKey().digest(), entry.getValue()));
        }
        if (pulls.isEmpty()) {
            return 0;
        }
        metadata.recordPulls(pulls);
        for (LastPull pull : pulls) {
            // Only the time written goes: a pull after the snapshot stays for the next flush.
            pending.remove(new Key(pull.repository(), pull.digest()), pull.atMillis());
        }
        return pulls.size();
    }
}
