package io.berth.registry;

import io.berth.metadata.LifecycleStore;
import io.berth.model.RetentionRule;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The lifecycle service the front doors call: a namespace's immutable-tag rules, quota and usage, retention rules
 * and runs, and garbage collection with the configured settings. The lifecycle store stays behind it. A quota or
 * retention rule is only stored for a namespace that exists (with access control on, one created with
 * {@code namespace create}; with it off, namespaces are implicit and every valid name exists).
 */
public final class Lifecycle {
    private final LifecycleStore store;
    private final Retention retention;
    private final GarbageCollector gc;
    private final GarbageCollector.Settings gcSettings;
    private final Predicate<String> namespaceExists;

    public Lifecycle(LifecycleStore store, Retention retention, GarbageCollector gc, GarbageCollector.Settings gcSettings,
                     Predicate<String> namespaceExists) {
        this.namespaceExists = namespaceExists;
        this.store = store;
        this.retention = retention;
        this.gc = gc;
        this.gcSettings = gcSettings;
    }

    // ---- immutable tags

    public List<String> immutableRules(String namespace) {
        return store.immutableRules(namespace);
    }

    public void addImmutableRule(String namespace, String pattern, String actor) {
        store.addImmutableRule(namespace, pattern, actor);
    }

    /** False when the namespace has no such rule. */
    public boolean removeImmutableRule(String namespace, String pattern) {
        return store.removeImmutableRule(namespace, pattern);
    }

    // ---- quotas

    /** Bytes of the unique blobs and manifests reachable through the namespace's repositories. */
    public long usage(String namespace) {
        return store.usage(namespace);
    }

    public Optional<Long> quota(String namespace) {
        return store.quota(namespace);
    }

    /** Sets the namespace's quota; null removes it. */
    public void setQuota(String namespace, Long limitBytes) {
        if (limitBytes != null) {
            requireNamespace(namespace);
        }
        store.setQuota(namespace, limitBytes);
    }

    /** 404 NAME_UNKNOWN "namespace NS not found" for a namespace that does not exist. */
    private void requireNamespace(String namespace) {
        if (!namespaceExists.test(namespace)) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "namespace " + namespace + " not found",
                    Map.of("namespace", namespace));
        }
    }

    // ---- retention

    public List<RetentionRule> retentionRules(String namespace) {
        return store.retentionRules(namespace);
    }

    public List<RetentionRule> allRetentionRules() {
        return store.allRetentionRules();
    }

    public void addRetentionRule(RetentionRule rule) {
        requireNamespace(rule.namespace());
        store.addRetentionRule(rule);
    }

    /** Removes the rule only if it belongs to namespace; false when the namespace has no rule with that id. */
    public boolean removeRetentionRule(String namespace, String id) {
        return store.removeRetentionRule(namespace, id);
    }

    /** Applies the retention rules of namespace (null: of all namespaces) now; returns what went (or would go). */
    public List<Retention.Removal> runRetention(String namespace, boolean dryRun, String actor) {
        return retention.run(namespace, dryRun, actor);
    }

    /** Removes only the listed tags (a dry run's list) that the rules still remove and that did not move since. */
    public Retention.ListedRun runRetentionListed(String namespace, List<Retention.Removal> listed, String actor) {
        return retention.runListed(namespace, listed, actor);
    }

    /** What rule would remove now if it were added (nothing is stored or removed); the rule must be valid. */
    public List<Retention.Removal> previewRetentionRule(RetentionRule rule) {
        requireNamespace(rule.namespace());
        return retention.preview(rule);
    }

    // ---- garbage collection

    /** The configured settings (gc.gracePeriod, history.window, gc.untaggedManifests). */
    public GarbageCollector.Settings gcSettings() {
        return gcSettings;
    }

    /** A collection with the configured settings. */
    public GarbageCollector.Report collect(boolean dryRun) {
        return gc.run(gcSettings, dryRun);
    }

    /** A collection with settings of the caller's choosing (the command line's overrides). */
    public GarbageCollector.Report collect(GarbageCollector.Settings settings, boolean dryRun) {
        return gc.run(settings, dryRun);
    }
}
