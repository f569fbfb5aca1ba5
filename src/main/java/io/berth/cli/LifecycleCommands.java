package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.AccessAdmin;
import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.model.TagMove;
import io.berth.oci.Digest;
import io.berth.oci.Reference;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.GarbageCollector;
import io.berth.registry.Lifecycle;
import io.berth.registry.Policies;
import io.berth.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * gc, tag history and rollback, promote, immutable tags, quotas and retention; they work while servers run. With
 * --server (or BERTH_SERVER) they ask that server's management API instead of opening the stores.
 */
final class LifecycleCommands {
    private LifecycleCommands() {}

    static String actor() {
        return AccessAdmin.commandLine().name();
    }

    /** With a server, asks its management API; else opens both stores and the lifecycle services, runs, closes. */
    abstract static class LifecycleCommand implements Callable<Integer> {
        @Mixin
        CommonOptions options;
        @Mixin
        ServerOptions server;
        /** The open instance while run works (for the audit log). */
        Instance instance;

        @Override
        public Integer call() throws Exception {
            ApiClient api = server.client();
            if (api != null) {
                return remote(api);
            }
            BerthConfig config = options.loadForStores(true, this instanceof CommonOptions.ReadsOnly);
            try (Instance instance = Instance.open(config, "cli-" + ProcessHandle.current().pid())) {
                this.instance = instance;
                return run(instance.registry(), instance.lifecycle());
            }
        }

        abstract int run(Registry registry, Lifecycle lifecycle) throws Exception;

        /** The same through the management API. */
        abstract int remote(ApiClient api) throws Exception;

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
            return print(report.ran(), report.items(), report.candidates(), report.manifestsDeleted(),
                    report.linksRemoved(), report.blobsDeleted(), report.bytesFreed(), report.took().toMillis(),
                    report.leaseLost());
        }

        @Override
        int remote(ApiClient api) {
            if (grace != null || window != null) {
                throw new IllegalArgumentException("--grace and --history-window apply to the stores directly; with --server"
                        + " the server's gc.gracePeriod and history.window apply");
            }
            JsonNode r = api.post("/api/v1/gc" + (dryRun ? "?dryRun=true" : ""), null);
            List<String> items = new ArrayList<>();
            r.path("items").forEach(i -> items.add(i.asText()));
            return print(r.path("ran").asBoolean(), items, r.path("candidates").asLong(), r.path("manifestsDeleted").asLong(),
                    r.path("linksRemoved").asLong(), r.path("blobsDeleted").asLong(), r.path("bytesFreed").asLong(),
                    r.path("millis").asLong(), r.path("leaseLost").asBoolean());
        }

        private int print(boolean ran, List<String> items, long candidates, long manifests, long links, long blobs,
                          long bytes, long millis, boolean leaseLost) {
            if (!ran) {
                System.out.println("another node is collecting garbage now; try again later");
                return 3;
            }
            items.forEach(item -> System.out.println((dryRun ? "would delete " : "deleted ") + item));
            System.out.printf(Locale.ROOT, "%s: %d candidates, %d manifests, %d blob links, %d blobs, %d bytes %s in %d ms%n",
                    dryRun ? "dry run" : "done", candidates, manifests, links, blobs, bytes,
                    dryRun ? "would be freed" : "freed", millis);
            if (leaseLost) {
                System.out.println("stopped early: the collection lease could not be renewed (another node may be"
                        + " collecting now); what is left goes on a later run");
                return 3;
            }
            return 0;
        }
    }

    @Command(name = "tag", mixinStandardHelpOptions = true, description = "List tags, tag history and rollback.",
            subcommands = {ListingCommands.TagList.class, TagHistory.class, TagRollback.class})
    static final class TagCommand {}

    static final String HISTORY_ROW = "%-24s %-10s %-20s %-73s %s%n";

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Show every move of REPOSITORY:TAG, newest first.")
    static final class TagHistory extends LifecycleCommand implements CommonOptions.ReadsOnly {
        @Parameters(paramLabel = "REPOSITORY:TAG") String ref;
        @Option(names = "--limit", defaultValue = "50") int limit;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            ImageRef image = ImageRef.parse(ref);
            System.out.printf(HISTORY_ROW, "WHEN", "OPERATION", "BY", "FROM", "TO");
            for (TagMove m : registry.tagHistory(image.repository(), image.tag(), limit)) {
                System.out.printf(HISTORY_ROW, m.at(), m.operation(), m.actor(),
                        m.previous() == null ? "-" : m.previous(), m.next() == null ? "(removed)" : m.next());
            }
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            ImageRef image = ImageRef.parse(ref);
            JsonNode moves = api.get("/api/v1/repositories/" + image.repository() + "/tags/" + image.tag() + "/history");
            System.out.printf(HISTORY_ROW, "WHEN", "OPERATION", "BY", "FROM", "TO");
            int shown = 0;
            for (JsonNode m : moves) {
                if (shown++ == limit) {
                    break;
                }
                String from = AccessCommands.text(m, "previous");
                String to = AccessCommands.text(m, "digest");
                System.out.printf(HISTORY_ROW, AccessCommands.text(m, "at"), AccessCommands.text(m, "operation"),
                        AccessCommands.text(m, "actor"), from == null ? "-" : from, to == null ? "(removed)" : to);
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

        @Override
        int remote(ApiClient api) {
            ImageRef image = ImageRef.parse(ref);
            JsonNode now = api.post("/api/v1/repositories/" + image.repository() + "/tags/" + image.tag() + "/rollback",
                    b -> {
                        if (to != null) {
                            b.put("to", to);
                        } else {
                            b.put("steps", steps);
                        }
                    });
            System.out.println(image.repository() + ":" + image.tag() + " now points at " + AccessCommands.text(now, "digest"));
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
        int remote(ApiClient api) {
            ImageRef source = ImageRef.parse(ref);
            ImageRef destination = destination(source);
            JsonNode r = api.post("/api/v1/promote", b -> b.put("repository", source.repository().value())
                    .put("reference", source.reference().toString()).put("targetRepository", destination.repository().value())
                    .put("targetTag", destination.tag().value()));
            System.out.println("promoted " + source.repository() + "@" + AccessCommands.text(r, "digest") + " to "
                    + destination.repository() + ":" + destination.tag());
            return 0;
        }

        private ImageRef destination(ImageRef source) {
            return target.tag != null ? new ImageRef(source.repository(), Reference.parse(target.tag)) : ImageRef.parse(target.to);
        }

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            ImageRef source = ImageRef.parse(ref);
            ImageRef destination = destination(source);
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

        @Override
        int remote(ApiClient api) {
            api.post(namespacePath(namespace, "/immutable"), b -> b.put("pattern", pattern));
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
                System.err.println("berth: NOT_FOUND: no rule '" + pattern + "' in " + namespace);
                return 1;
            }
            audit("immutable.remove", namespace, "pattern " + pattern);
            System.out.println("lifted rule '" + pattern + "' of " + namespace);
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            api.delete(namespacePath(namespace, "/immutable?pattern=" + java.net.URLEncoder.encode(pattern,
                    java.nio.charset.StandardCharsets.UTF_8)));
            System.out.println("lifted rule '" + pattern + "' of " + namespace);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a namespace's immutable rules.")
    static final class ImmutableList extends LifecycleCommand implements CommonOptions.ReadsOnly {
        @Parameters(paramLabel = "NAMESPACE") String namespace;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            lifecycle.immutableRules(namespace).forEach(System.out::println);
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            api.get(namespacePath(namespace, "/immutable")).forEach(rule -> System.out.println(rule.asText()));
            return 0;
        }
    }

    @Command(name = "quota", mixinStandardHelpOptions = true, description = "Set a namespace's storage quota (e.g. 10GiB, 500MiB; 'none' removes it).")
    static final class Quota extends LifecycleCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE") String namespace;
        @Parameters(index = "1", paramLabel = "LIMIT") String limit;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            Long bytes = bytes();
            lifecycle.setQuota(namespace, bytes);
            audit("quota.set", namespace, "quotaBytes " + bytes);
            return set(bytes);
        }

        @Override
        int remote(ApiClient api) {
            Long bytes = bytes();
            api.put(namespacePath(namespace, "/quota"), b -> b.put("quotaBytes", bytes));
            return set(bytes);
        }

        private Long bytes() {
            Long bytes = limit.equalsIgnoreCase("none") ? null : parseBytes(limit);
            if (bytes != null && bytes < 1) {
                throw new IllegalArgumentException("a quota is at least 1 byte ('none' removes it), got " + limit);
            }
            return bytes;
        }

        private int set(Long bytes) {
            System.out.println(bytes == null ? "no quota for " + namespace : "quota of " + namespace + ": " + bytes + " bytes");
            return 0;
        }
    }

    @Command(name = "usage", mixinStandardHelpOptions = true, description = "Show a namespace's storage usage and quota.")
    static final class Usage extends LifecycleCommand implements CommonOptions.ReadsOnly {
        @Parameters(paramLabel = "NAMESPACE") String namespace;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            long usage = lifecycle.usage(namespace);
            String quota = lifecycle.quota(namespace).map(q -> q + " bytes").orElse("none");
            System.out.println(namespace + ": " + usage + " bytes used, quota " + quota);
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            JsonNode u = api.get(namespacePath(namespace, "/usage"));
            String quota = u.path("quotaBytes").isNull() ? "none" : u.path("quotaBytes").asLong() + " bytes";
            System.out.println(namespace + ": " + u.path("usedBytes").asLong() + " bytes used, quota " + quota);
            return 0;
        }
    }

    static String namespacePath(String namespace, String rest) {
        return "/api/v1/namespaces/" + ApiClient.segment(namespace) + rest;
    }

    static void checkPattern(String pattern, String option) {
        String problem = Policies.patternProblem(pattern);
        if (problem != null) {
            throw new IllegalArgumentException(option + " '" + pattern + "' " + problem);
        }
    }

    static long parseBytes(String text) {
        return io.berth.config.ByteSize.parse(text).bytes();
    }

    @Command(name = "retention", mixinStandardHelpOptions = true, description = "Retention rules: which tags go, automatically.",
            subcommands = {RetentionCommands.Add.class, RetentionCommands.ListRules.class, RetentionCommands.Remove.class,
                    RetentionCommands.Run.class})
    static final class RetentionCommand {}
}
