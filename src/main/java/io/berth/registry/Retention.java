package io.berth.registry;

import io.berth.metadata.LifecycleStore;
import io.berth.model.RetentionRule;
import io.berth.metadata.LifecycleStore.TagAge;
import io.berth.metadata.MetadataStore;
import io.berth.model.TagChange;
import io.berth.oci.Digest;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention rules per namespace: of the tags matching a pattern, keep the newest N per repository and/or remove those
 * not moved for D days; tags matching a keep pattern or an immutable rule always stay. Only tags are removed; the
 * manifests they pointed to go through garbage collection, which keeps whatever another tag or an index needs.
 */
public final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    /** One tag retention removes (or, dry, would remove), and why. */
    public record Removal(String repository, String tag, String digest, String reason) {}

    private final LifecycleStore store;
    private final MetadataStore metadata;
    private final Policies policies;
    private final Clock clock;

    public Retention(LifecycleStore store, MetadataStore metadata, Policies policies, Clock clock) {
        this.store = store;
        this.metadata = metadata;
        this.policies = policies;
        this.clock = clock;
    }

    /** Applies the rules of one namespace (or of all, when namespace is null). */
    public List<Removal> run(String namespace, boolean dryRun, String actor) {
        List<RetentionRule> rules = namespace == null ? store.allRetentionRules() : store.retentionRules(namespace);
        Map<String, Removal> removals = judge(rules);
        List<Removal> done = new ArrayList<>();
        for (Removal removal : removals.values()) {
            if (dryRun) {
                done.add(removal);
                continue;
            }
            RepositoryName repository = new RepositoryName(removal.repository());
            try {
                TagChange change = policies.tagChange(repository, actor, "retention").ifAt(Digest.parse(removal.digest()));
                if (metadata.deleteTag(repository, new Tag(removal.tag()), change)) {
                    done.add(removal);
                }
            } catch (RegistryException e) {
                // An immutable rule added meanwhile, or the tag was pushed again since it was judged: it stays.
            }
        }
        return done;
    }

    /** What a run of a shown list did: the tags removed, and those it left (each with why). */
    public record ListedRun(List<Removal> removed, List<Removal> skipped) {}

    /**
     * Removes only the listed tags (what a dry run showed) of one namespace, each only if the namespace's rules
     * still remove it now and it still points at the listed digest; immutable rules are honoured as in a run. A tag
     * pushed since the dry run is never removed, even if the rules would now remove it.
     */
    public ListedRun runListed(String namespace, List<Removal> listed, String actor) {
        Map<String, Removal> judged = judge(store.retentionRules(namespace));
        List<Removal> removed = new ArrayList<>();
        List<Removal> skipped = new ArrayList<>();
        for (Removal shown : listed) {
            Removal now = judged.get(shown.repository() + ":" + shown.tag());
            String why = null;
            if (now == null) {
                why = "the rules of " + namespace + " do not remove it now";
            } else if (!now.digest().equals(shown.digest())) {
                why = "it moved to " + now.digest() + " since the dry run";
            } else {
                try {
                    RepositoryName repository = new RepositoryName(shown.repository());
                    TagChange change = policies.tagChange(repository, actor, "retention").ifAt(Digest.parse(shown.digest()));
                    if (metadata.deleteTag(repository, new Tag(shown.tag()), change)) {
                        removed.add(now);
                        continue;
                    }
                    why = "it is gone already";
                } catch (RegistryException e) {
                    why = e.getMessage();
                }
            }
            skipped.add(new Removal(shown.repository(), shown.tag(), shown.digest(), why));
        }
        return new ListedRun(removed, skipped);
    }

    /** What rule alone would remove now, before it is stored (the web UI's preview of a new rule). */
    public List<Removal> preview(RetentionRule rule) {
        return List.copyOf(judge(List.of(rule)).values());
    }

    /** The tags rules remove now, by repository:tag, each once (the first rule that removes it gives the reason). */
    private Map<String, Removal> judge(List<RetentionRule> rules) {
        Map<String, List<TagAge>> tagsByNamespace = new HashMap<>();
        Map<String, Removal> removals = new LinkedHashMap<>();
        Instant now = clock.instant();
        for (RetentionRule rule : rules) {
            String problem = problem(rule);
            if (problem != null) {
                LOG.warn("retention rule {} of {} is skipped: {}; remove it and add a valid one", rule.id(),
                        rule.namespace(), problem);
                continue;
            }
            List<TagAge> tags = tagsByNamespace.computeIfAbsent(rule.namespace(), store::tagsOfNamespace);
            Pattern pattern = Policies.glob(rule.pattern());
            List<Pattern> keep = rule.keepPatterns().stream().map(Policies::glob).toList();
            Map<String, Integer> seenPerRepository = new HashMap<>();
            for (TagAge tag : tags) {
                if (!pattern.matcher(tag.tag()).matches()) {
                    continue;
                }
                // Tags that always stay are outside the rule: they neither go nor count towards the newest N.
                if (keep.stream().anyMatch(k -> k.matcher(tag.tag()).matches())
                        || policies.immutableRule(new RepositoryName(tag.repository()), new Tag(tag.tag())) != null) {
                    continue;
                }
                int rank = seenPerRepository.merge(tag.repository(), 1, Integer::sum);
                String reason = null;
                if (rule.keepLast() != null && rank > rule.keepLast()) {
                    reason = "beyond the newest " + rule.keepLast() + " of '" + rule.pattern() + "'";
                } else if (rule.maxAgeDays() != null
                        && tag.updatedAt().isBefore(now.minus(Duration.ofDays(rule.maxAgeDays())))) {
                    reason = "older than " + rule.maxAgeDays() + " days";
                }
                if (reason != null) {
                    removals.putIfAbsent(tag.repository() + ":" + tag.tag(),
                            new Removal(tag.repository(), tag.tag(), tag.digest().toString(), reason));
                }
            }
        }
        return removals;
    }

    /**
     * Why a stored rule cannot be applied, or null. Rules are checked when added, but releases before that stored
     * "keepLast":"abc" as 0, which would remove every matching tag; such a rule removes nothing.
     */
    private static String problem(RetentionRule rule) {
        if (rule.keepLast() != null && rule.keepLast() < 1) {
            return "keepLast " + rule.keepLast() + " is below 1";
        }
        if (rule.maxAgeDays() != null && rule.maxAgeDays() < 1) {
            return "maxAgeDays " + rule.maxAgeDays() + " is below 1";
        }
        if (rule.keepLast() == null && rule.maxAgeDays() == null) {
            return "it has neither keepLast nor maxAgeDays";
        }
        String patternProblem = Policies.patternProblem(rule.pattern());
        if (patternProblem != null) {
            return "its pattern " + patternProblem;
        }
        for (String keep : rule.keepPatterns()) {
            if (Policies.patternProblem(keep) != null) {
                return "its keep pattern '" + keep + "' " + Policies.patternProblem(keep);
            }
        }
        return null;
    }
}
