package io.berth.cli;

import io.berth.auth.AccessAdmin;
import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.model.RetentionRule;
import io.berth.model.TagMove;
import io.berth.oci.Digest;
import io.berth.oci.Reference;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.GarbageCollector;
import io.berth.registry.Lifecycle;
import io.berth.registry.Policies;
import io.berth.registry.Registry;
import io.berth.registry.Retention;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** gc, tag history and rollback, promote, immutable tags, quotas and retention; they work while servers run. */
final class LifecycleCommands {
    private LifecycleCommands() {}

    static String actor() {
        return AccessAdmin.commandLine().name();
    }

    /** Opens both stores and the lifecycle services, runs, closes. */
    abstract static class LifecycleCommand implements Callable<Integer> {
        @Mixin
        CommonOptions options;
        /** The open instance while run works (for the audit log). */
        Instance instance;

        @Override
        public Integer call() throws Exception {
            BerthConfig config = options.load(Map.of());
            try (Instance instance = Instance.open(config, "cli-" + ProcessHandle.current().pid())) {
                this.instance = instance;
                return run(instance.registry(), instance.lifecycle());
            }
        }

        abstract int run(Registry registry, Lifecycle lifecycle) throws Exception;

        /** Records a change in the audit log with the names the management API's entries use. */
        void audit(String action, String target, String detail) {
            instance.admin().audit(actor(), action, target, "cli", detail);
        }
    }

    /** "repo:tag" or "repo@digest". */
    record ImageRef(RepositoryName repository, Reference reference) {
        static ImageRef parse(String text) {
            int at = text.indexOf('@');
            int colon = text.lastIndexOf(':');
            if (at > 0) {
                return new ImageRef(new RepositoryName(text.substring(0, at)), Reference.parse(text.substring(at + 1)));
            }
            if (colon <= 0) {
                throw new IllegalArgumentException("expected REPOSITORY:TAG or REPOSITORY@DIGEST, got " + text);
            }
            return new ImageRef(new RepositoryName(text.substring(0, colon)), Reference.parse(text.substring(colon + 1)));
        }

        Tag tag() {
            if (reference.isDigest()) {
                throw new IllegalArgumentException("expected a tag, got a digest");
            }
            return reference.tag();
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = "Collect garbage now: untagged manifests and unreferenced blobs older than the grace period.")
    static final class Gc extends LifecycleCommand {
        @Option(names = "--dry-run", description = "Print what would go and how many bytes it frees; delete nothing.") boolean dryRun;
        @Option(names = "--grace", description = "Override gc.gracePeriod (e.g. 0s).") String grace;
        @Option(names = "--history-window", description = "Override history.window (e.g. 0s).") String window;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            GarbageCollector.Settings s = lifecycle.gcSettings();
            GarbageCollector.Settings settings = new GarbageCollector.Settings(
                    grace == null ? s.grace() : io.berth.config.ConfigLoader.parseDuration(grace),
                    window == null ? s.historyWindow() : io.berth.config.ConfigLoader.parseDuration(window),
                    s.untaggedManifests());
            GarbageCollector.Report report = lifecycle.collect(settings, dryRun);
            instance.auditGc(actor(), "cli", report);
            if (!report.ran()) {
                System.out.println("another node is collecting garbage now; try again later");
                return 3;
            }
            report.items().forEach(item -> System.out.println((dryRun ? "would delete " : "deleted ") + item));
            System.out.printf(Locale.ROOT, "%s: %d candidates, %d manifests, %d blob links, %d blobs, %d bytes %s in %d ms%n",
                    dryRun ? "dry run" : "done", report.candidates(), report.manifestsDeleted(), report.linksRemoved(),
                    report.blobsDeleted(), report.bytesFreed(), dryRun ? "would be freed" : "freed", report.took().toMillis());
            if (report.leaseLost()) {
                System.out.println("stopped early: the collection lease could not be renewed (another node may be"
                        + " collecting now); what is left goes on a later run");
                return 3;
            }
            return 0;
        }
    }

    @Command(name = "tag", mixinStandardHelpOptions = true, description = "Tag history and rollback.",
            subcommands = {TagHistory.class, TagRollback.class})
    static final class TagCommand {}

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Show every move of REPOSITORY:TAG, newest first.")
    static final class TagHistory extends LifecycleCommand {
        @Parameters(paramLabel = "REPOSITORY:TAG") String ref;
        @Option(names = "--limit", defaultValue = "50") int limit;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            ImageRef image = ImageRef.parse(ref);
            System.out.printf("%-24s %-10s %-20s %-73s %s%n", "WHEN", "OPERATION", "BY", "FROM", "TO");
            for (TagMove m : registry.tagHistory(image.repository(), image.tag(), limit)) {
                System.out.printf("%-24s %-10s %-20s %-73s %s%n", m.at(), m.operation(), m.actor(),
                        m.previous() == null ? "-" : m.previous(), m.next() == null ? "(removed)" : m.next());
            }
            return 0;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Point REPOSITORY:TAG back to where it pointed before (or --to a digest, or --steps back).")
    static final class TagRollback extends LifecycleCommand {
        @Parameters(paramLabel = "REPOSITORY:TAG") String ref;
        @Option(names = "--to", paramLabel = "DIGEST") String to;
        @Option(names = "--steps", defaultValue = "1") int steps;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            ImageRef image = ImageRef.parse(ref);
            Digest now = registry.rollback(image.repository(), image.tag(), to == null ? null : Digest.parse(to),
                    steps, actor());
            audit("tag.rollback", image.repository() + ":" + image.tag(), "to " + now);
            System.out.println(image.repository() + ":" + image.tag() + " now points at " + now);
            return 0;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Give an image another tag (--tag) or put it into another repository (--to REPO:TAG), copying no bytes.")
    static final class Promote extends LifecycleCommand {
        @Parameters(paramLabel = "REPOSITORY:TAG|REPOSITORY@DIGEST") String ref;
        @ArgGroup(exclusive = true, multiplicity = "1") Target target;

        static final class Target {
            @Option(names = "--tag", paramLabel = "TAG") String tag;
            @Option(names = "--to", paramLabel = "REPOSITORY:TAG") String to;
        }

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            ImageRef source = ImageRef.parse(ref);
            ImageRef destination = target.tag != null
                    ? new ImageRef(source.repository(), Reference.parse(target.tag)) : ImageRef.parse(target.to);
            Digest digest = registry.promote(source.repository(), source.reference(), destination.repository(),
                    destination.tag(), actor());
            audit("tag.promote", destination.repository() + ":" + destination.tag(),
                    "from " + source.repository() + ":" + source.reference() + " " + digest);
            System.out.println("promoted " + source.repository() + "@" + digest + " to " + destination.repository() + ":"
                    + destination.tag());
            return 0;
        }
    }

    @Command(name = "immutable", mixinStandardHelpOptions = true,
            description = "Immutable tag rules of a namespace: a matching tag, once it exists, never moves or goes.",
            subcommands = {ImmutableAdd.class, ImmutableRemove.class, ImmutableList.class})
    static final class ImmutableCommand {}

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Protect tags matching PATTERN (e.g. 'v*', '[0-9]*.[0-9]*.[0-9]*').")
    static final class ImmutableAdd extends LifecycleCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE") String namespace;
        @Parameters(index = "1", paramLabel = "PATTERN") String pattern;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            checkPattern(pattern, "PATTERN");
            lifecycle.addImmutableRule(namespace, pattern, actor());
            audit("immutable.add", namespace, "pattern " + pattern);
            System.out.println("tags of " + namespace + " matching '" + pattern + "' are now immutable");
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Lift an immutable rule (an admin's command).")
    static final class ImmutableRemove extends LifecycleCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE") String namespace;
        @Parameters(index = "1", paramLabel = "PATTERN") String pattern;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            if (!lifecycle.removeImmutableRule(namespace, pattern)) {
                System.err.println("berth: no rule '" + pattern + "' in " + namespace);
                return 2;
            }
            audit("immutable.remove", namespace, "pattern " + pattern);
            System.out.println("lifted rule '" + pattern + "' of " + namespace);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a namespace's immutable rules.")
    static final class ImmutableList extends LifecycleCommand {
        @Parameters(paramLabel = "NAMESPACE") String namespace;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            lifecycle.immutableRules(namespace).forEach(System.out::println);
            return 0;
        }
    }

    @Command(name = "quota", mixinStandardHelpOptions = true, description = "Set a namespace's storage quota (e.g. 10GiB, 500MiB; 'none' removes it).")
    static final class Quota extends LifecycleCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE") String namespace;
        @Parameters(index = "1", paramLabel = "LIMIT") String limit;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            Long bytes = limit.equalsIgnoreCase("none") ? null : parseBytes(limit);
            if (bytes != null && bytes < 1) {
                throw new IllegalArgumentException("a quota is at least 1 byte ('none' removes it), got " + limit);
            }
            lifecycle.setQuota(namespace, bytes);
            audit("quota.set", namespace, "quotaBytes " + bytes);
            System.out.println(bytes == null ? "no quota for " + namespace : "quota of " + namespace + ": " + bytes + " bytes");
            return 0;
        }
    }

    @Command(name = "usage", mixinStandardHelpOptions = true, description = "Show a namespace's storage usage and quota.")
    static final class Usage extends LifecycleCommand {
        @Parameters(paramLabel = "NAMESPACE") String namespace;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            long usage = lifecycle.usage(namespace);
            String quota = lifecycle.quota(namespace).map(q -> q + " bytes").orElse("none");
            System.out.println(namespace + ": " + usage + " bytes used, quota " + quota);
            return 0;
        }
    }

    private static void checkPattern(String pattern, String option) {
        String problem = Policies.patternProblem(pattern);
        if (problem != null) {
            throw new IllegalArgumentException(option + " '" + pattern + "' " + problem);
        }
    }

    static long parseBytes(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] u : new String[][] {{"TIB", "1099511627776"}, {"GIB", "1073741824"}, {"MIB", "1048576"},
                {"KIB", "1024"}, {"TB", "1000000000000"}, {"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}}) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        return Math.round(Double.parseDouble(t) * unit);
    }

    @Command(name = "retention", mixinStandardHelpOptions = true, description = "Retention rules: which tags go, automatically.",
            subcommands = {RetentionAdd.class, RetentionList.class, RetentionRemove.class, RetentionRun.class})
    static final class RetentionCommand {}

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a rule to NAMESPACE: of the tags matching --pattern, keep the newest --keep-last per repository and/or remove those older than --max-age-days; --keep patterns always stay.")
    static final class RetentionAdd extends LifecycleCommand {
        @Parameters(paramLabel = "NAMESPACE") String namespace;
        @Option(names = "--pattern", defaultValue = "*") String pattern;
        @Option(names = "--keep-last") Integer keepLast;
        @Option(names = "--max-age-days") Integer maxAgeDays;
        @Option(names = "--keep", paramLabel = "PATTERN") List<String> keep = new ArrayList<>();

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            if (keepLast == null && maxAgeDays == null) {
                throw new IllegalArgumentException("give --keep-last and/or --max-age-days");
            }
            if (keepLast != null && (keepLast < 1 || keepLast > 100_000)) {
                throw new IllegalArgumentException("--keep-last must be from 1 to 100000");
            }
            if (maxAgeDays != null && (maxAgeDays < 1 || maxAgeDays > 36_500)) {
                throw new IllegalArgumentException("--max-age-days must be from 1 to 36500");
            }
            checkPattern(pattern, "--pattern");
            keep.forEach(k -> checkPattern(k, "--keep"));
            String id = io.berth.auth.Passwords.randomId();
            lifecycle.addRetentionRule(new RetentionRule(id, namespace, pattern, keepLast, maxAgeDays, keep,
                    actor(), Instant.now()));
            audit("retention.add", namespace, "rule " + id + " pattern " + pattern + " keepLast " + keepLast
                    + " maxAgeDays " + maxAgeDays + " keep " + keep);
            System.out.println("added retention rule " + id + " to " + namespace);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List retention rules.")
    static final class RetentionList extends LifecycleCommand {
        @Parameters(paramLabel = "NAMESPACE", arity = "0..1") String namespace;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            List<RetentionRule> rules = namespace == null ? lifecycle.allRetentionRules()
                    : lifecycle.retentionRules(namespace);
            for (RetentionRule r : rules) {
                System.out.printf("%s %s pattern=%s keep-last=%s max-age-days=%s keep=%s%n", r.id(), r.namespace(),
                        r.pattern(), r.keepLast(), r.maxAgeDays(), r.keepPatterns());
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a retention rule.")
    static final class RetentionRemove extends LifecycleCommand {
        @Parameters(paramLabel = "ID") String id;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            for (RetentionRule rule : lifecycle.allRetentionRules()) {
                if (rule.id().equals(id) && lifecycle.removeRetentionRule(rule.namespace(), id)) {
                    audit("retention.remove", rule.namespace(), "rule " + id);
                    System.out.println("removed retention rule " + id + " of " + rule.namespace());
                    return 0;
                }
            }
            System.err.println("berth: no retention rule " + id);
            return 2;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Apply retention rules now (of NAMESPACE, or all).")
    static final class RetentionRun extends LifecycleCommand {
        @Parameters(paramLabel = "NAMESPACE", arity = "0..1") String namespace;
        @Option(names = "--dry-run") boolean dryRun;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            List<Retention.Removal> removals = lifecycle.runRetention(namespace, dryRun, actor());
            if (!dryRun) {
                audit("retention.run", namespace == null ? "all namespaces" : namespace, removals.size() + " tags removed");
            }
            for (Retention.Removal r : removals) {
                System.out.println((dryRun ? "would remove " : "removed ") + r.repository() + ":" + r.tag() + " (" + r.reason() + ")");
            }
            System.out.println((dryRun ? "dry run: " : "") + removals.size() + " tags");
            return 0;
        }
    }

}
