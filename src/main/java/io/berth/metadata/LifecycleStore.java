package io.berth.metadata;

import io.berth.model.RetentionRule;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Lifecycle facts and the garbage collector's queries: immutable tag rules, retention rules, quotas and usage, the
 * collection lease, and the check-then-delete steps of online garbage collection, each in one transaction.
 */
public interface LifecycleStore extends CollectionSteps {
    // ---- immutable tags

    void addImmutableRule(String namespace, String pattern, String actor);

    boolean removeImmutableRule(String namespace, String pattern);

    List<String> immutableRules(String namespace);

    // ---- retention

    void addRetentionRule(RetentionRule rule);

    /** Removes the rule only if it belongs to namespace; false when the namespace has no rule with that id. */
    boolean removeRetentionRule(String namespace, String id);

    List<RetentionRule> retentionRules(String namespace);

    List<RetentionRule> allRetentionRules();

    /** Whether the tag's history shows it pointing at digest at any time (before or after a move). */
    boolean wasInHistory(RepositoryName repository, Tag tag, Digest digest);

    /** A tag with the time it was last moved. */
    record TagAge(String repository, String tag, Digest digest, Instant updatedAt) {}

    /** Tags of every repository of the namespace. */
    List<TagAge> tagsOfNamespace(String namespace);

    // ---- quotas

    void setQuota(String namespace, Long limitBytes);

    Optional<Long> quota(String namespace);

    /** Bytes of the unique blobs and manifests reachable through the namespace's repositories. */
    long usage(String namespace);

    // ---- garbage collection

    /** Takes or renews the named lease for owner until ttl from now; false while another owner holds it. */
    boolean acquireLease(String name, String owner, Duration ttl);

    void releaseLease(String name, String owner);

    /** A blob made reachable by touching it (HEAD, mount): restarts its grace period. */
    void touchLink(RepositoryName repository, Digest digest);

    record Link(RepositoryName repository, Digest digest) {}

    /** Blobs and manifest bytes no repository reaches any more, with their sizes. */
    record Orphan(Digest digest, long size) {}

    /**
     * Runs work on the collection steps inside one transaction that is then rolled back: exactly what a collection
     * would delete now, in the order it would, changing nothing. While it runs it holds the locks a collection's
     * steps take (on SQLite, the database's write lock).
     */
    <T> T rehearse(Function<CollectionSteps, T> work);
}
