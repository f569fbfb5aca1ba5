package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.LifecycleCommands.LifecycleCommand;
import io.berth.model.RetentionRule;
import io.berth.registry.Lifecycle;
import io.berth.registry.Registry;
import io.berth.registry.Retention;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** berth retention add|list|remove|run: on the stores directly, or through a server's management API (--server). */
final class RetentionCommands {
    private RetentionCommands() {}

    /** The table of retention list, as repo list and tag list print theirs. */
    private static ListingCommands.Table ruleTable() {
        return new ListingCommands.Table("ID", "NAMESPACE", "PATTERN", "KEEP LAST", "MAX AGE (DAYS)", "ALWAYS KEEP");
    }

    private static String orNone(Object value) {
        return value == null ? null : value.toString();
    }

    private static String listOrNone(String joined) {
        return joined.isEmpty() ? null : joined;
    }

    /** The namespaces to look at through the API: the one given, or every namespace the caller sees. */
    private static List<String> namespaces(ApiClient api, String namespace) {
        List<String> names = new ArrayList<>();
        if (namespace != null) {
            names.add(namespace);
        } else {
            api.get("/api/v1/namespaces").forEach(n -> names.add(n.path("name").asText()));
        }
        return names;
    }

    /** A namespace's rules through the API; with all, an unreadable namespace counts as one without rules. */
    private static JsonNode rules(ApiClient api, String namespace, boolean all) {
        try {
            return api.get(LifecycleCommands.namespacePath(namespace, "/retention"));
        } catch (ApiClient.ApiException e) {
            if (all && e.status == 404) {
                return Json.array();
            }
            throw e;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a rule to NAMESPACE: of the tags matching --pattern, keep the newest --keep-last per repository and/or remove those older than --max-age-days; --keep patterns always stay.")
    static final class Add extends LifecycleCommand {
        @Parameters(paramLabel = "NAMESPACE") String namespace;
        @Option(names = "--pattern", defaultValue = "*") String pattern;
        @Option(names = "--keep-last") Integer keepLast;
        @Option(names = "--max-age-days") Integer maxAgeDays;
        @Option(names = "--keep", paramLabel = "PATTERN") List<String> keep = new ArrayList<>();

        private void check() {
            if (keepLast == null && maxAgeDays == null) {
                throw new IllegalArgumentException("give --keep-last and/or --max-age-days");
            }
            if (keepLast != null && (keepLast < 1 || keepLast > 100_000)) {
                throw new IllegalArgumentException("--keep-last must be from 1 to 100000");
            }
            if (maxAgeDays != null && (maxAgeDays < 1 || maxAgeDays > 36_500)) {
                throw new IllegalArgumentException("--max-age-days must be from 1 to 36500");
            }
            LifecycleCommands.checkPattern(pattern, "--pattern");
            keep.forEach(k -> LifecycleCommands.checkPattern(k, "--keep"));
        }

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            check();
            String id = io.berth.auth.Passwords.randomId();
            lifecycle.addRetentionRule(new RetentionRule(id, namespace, pattern, keepLast, maxAgeDays, keep,
                    LifecycleCommands.actor(), Instant.now()));
            audit("retention.add", namespace, "rule " + id + " pattern " + pattern + " keepLast " + keepLast
                    + " maxAgeDays " + maxAgeDays + " keep " + keep);
            System.out.println("added retention rule " + id + " to " + namespace);
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            check();
            JsonNode r = api.post(LifecycleCommands.namespacePath(namespace, "/retention"), b -> {
                b.put("pattern", pattern).put("keepLast", keepLast).put("maxAgeDays", maxAgeDays);
                keep.forEach(b.putArray("keep")::add);
            });
            System.out.println("added retention rule " + r.path("id").asText() + " to " + namespace);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List retention rules (of NAMESPACE, or all).")
    static final class ListRules extends LifecycleCommand implements CommonOptions.ReadsOnly {
        @Parameters(paramLabel = "NAMESPACE", arity = "0..1") String namespace;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            List<RetentionRule> rules = namespace == null ? lifecycle.allRetentionRules()
                    : lifecycle.retentionRules(namespace);
            ListingCommands.Table table = ruleTable();
            for (RetentionRule r : rules) {
                table.row(r.id(), r.namespace(), r.pattern(), orNone(r.keepLast()), orNone(r.maxAgeDays()),
                        listOrNone(r.keepPatterns() == null ? "" : String.join(",", r.keepPatterns())));
            }
            table.print();
            return 0;
        }

        @Override
        int remote(ApiClient api) {
            ListingCommands.Table table = ruleTable();
            for (String ns : namespaces(api, namespace)) {
                for (JsonNode r : rules(api, ns, namespace == null)) {
                    table.row(r.path("id").asText(), ns, r.path("pattern").asText(), AccessCommands.text(r, "keepLast"),
                            AccessCommands.text(r, "maxAgeDays"), listOrNone(AccessCommands.joined(r.path("keep"))));
                }
            }
            table.print();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a retention rule.")
    static final class Remove extends LifecycleCommand {
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--namespace", description = "The rule's namespace (with --server: saves looking it up).")
        String namespace;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            for (RetentionRule rule : lifecycle.allRetentionRules()) {
                if (rule.id().equals(id) && (namespace == null || namespace.equals(rule.namespace()))
                        && lifecycle.removeRetentionRule(rule.namespace(), id)) {
                    audit("retention.remove", rule.namespace(), "rule " + id);
                    return removed(rule.namespace());
                }
            }
            System.err.println("berth: NOT_FOUND: no retention rule " + id);
            return 1;
        }

        @Override
        int remote(ApiClient api) {
            for (String ns : namespaces(api, namespace)) {
                if (namespace != null) {
                    api.delete(LifecycleCommands.namespacePath(ns, "/retention/" + ApiClient.segment(id)));
                    return removed(ns);
                }
                for (JsonNode r : rules(api, ns, true)) {
                    if (id.equals(r.path("id").asText())) {
                        api.delete(LifecycleCommands.namespacePath(ns, "/retention/" + ApiClient.segment(id)));
                        return removed(ns);
                    }
                }
            }
            System.err.println("berth: NOT_FOUND: no retention rule " + id);
            return 1;
        }

        private int removed(String ns) {
            System.out.println("removed retention rule " + id + " of " + ns);
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Apply retention rules now (of NAMESPACE, or all).")
    static final class Run extends LifecycleCommand {
        @Parameters(paramLabel = "NAMESPACE", arity = "0..1") String namespace;
        @Option(names = "--dry-run") boolean dryRun;

        @Override
        int run(Registry registry, Lifecycle lifecycle) {
            List<Retention.Removal> removals = lifecycle.runRetention(namespace, dryRun, LifecycleCommands.actor());
            if (!dryRun) {
                audit("retention.run", namespace == null ? "all namespaces" : namespace, removals.size() + " tags removed");
            }
            for (Retention.Removal r : removals) {
                removal(r.repository(), r.tag(), r.reason());
            }
            return total(removals.size());
        }

        @Override
        int remote(ApiClient api) {
            int count = 0;
            for (String ns : namespaces(api, namespace)) {
                if (namespace == null && rules(api, ns, true).isEmpty()) {
                    continue;
                }
                for (JsonNode r : api.post(LifecycleCommands.namespacePath(ns, "/retention/run" + (dryRun ? "?dryRun=true" : "")),
                        null)) {
                    removal(r.path("repository").asText(), r.path("tag").asText(), r.path("reason").asText());
                    count++;
                }
            }
            return total(count);
        }

        private void removal(String repository, String tag, String reason) {
            System.out.println((dryRun ? "would remove " : "removed ") + repository + ":" + tag + " (" + reason + ")");
        }

        private int total(int count) {
            System.out.println((dryRun ? "dry run: " : "") + count + " tags");
            return 0;
        }
    }
}
