package io.berth.metadata;

import io.berth.metadata.LifecycleStore.Link;
import io.berth.metadata.LifecycleStore.Orphan;
import io.berth.oci.Digest;
import java.time.Instant;
import java.util.List;

/**
 * The steps of online garbage collection: candidates, and check-then-delete of each. A {@link LifecycleStore} runs
 * each step in its own transaction; {@link LifecycleStore#rehearse} runs them in one that it rolls back (a dry run).
 */
public interface CollectionSteps {
    /** Blob links no manifest of their repository references, untouched since cutoff. */
    List<Link> unreferencedLinks(Instant cutoff, int limit);

    /** Removes the link if it is still unreferenced and untouched since cutoff. */
    boolean unlinkIfUnreferenced(Link link, Instant cutoff);

    /**
     * Manifests with no tag, no index of the repository referencing them, no living subject, untouched since cutoff,
     * and not pointed to by a tag since historyCutoff.
     */
    List<Link> collectableManifests(Instant cutoff, Instant historyCutoff, int limit);

    /** Deletes the manifest if it is still collectable; true when deleted. */
    boolean deleteManifestIfCollectable(Link manifest, Instant cutoff, Instant historyCutoff);

    List<Orphan> orphans(int limit);

    /**
     * Forgets an orphan's record if it is still an orphan (no repository links it, no repository holds it as a
     * manifest); true when forgotten, and then its bytes may go. The caller holds the digest's blob lock.
     */
    boolean forgetIfOrphan(Digest digest);
}
