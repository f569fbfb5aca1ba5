package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.boot.Instance;
import io.berth.config.BerthConfig;
import io.berth.oci.RepositoryName;
import io.berth.registry.Listing;
import io.berth.registry.ListingJson;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * repo list, tag list, manifest show and usage. With --server (or BERTH_SERVER) they ask that server's management
 * API; else (--config, BERTH_CONFIG, --data) they open the stores and read them through the same listing service
 * the API uses, so that a TLS or access-controlled registry needs no credentials on its own host. Either way they
 * print the same tables, and with --json the same JSON ({@link ListingJson} makes both).
 */
final class ListingCommands {
    private ListingCommands() {}

    /** Where the listings come from: a server's API or the stores; both answer with the API's JSON pages. */
    interface Source {
        JsonNode repositories(String namespace, String last, int n);

        JsonNode tags(RepositoryName repository, String last, int n);

        JsonNode manifest(LifecycleCommands.ImageRef image);

        JsonNode usage();
    }

    /** The management API of a running server. */
    record Remote(ApiClient api) implements Source {
        @Override
        public JsonNode repositories(String namespace, String last, int n) {
            return api.get("/api/v1/repositories?" + (namespace == null ? "" : "namespace=" + query(namespace) + "&")
                    + page(last, n));
        }

        @Override
        public JsonNode tags(RepositoryName repository, String last, int n) {
            return api.get("/api/v1/repositories/" + repository + "/tags?" + page(last, n));
        }

        @Override
        public JsonNode manifest(LifecycleCommands.ImageRef image) {
            return api.get("/api/v1/repositories/" + image.repository() + "/manifests/" + image.reference());
        }

        @Override
        public JsonNode usage() {
            return api.get("/api/v1/usage");
        }

        private static String page(String last, int n) {
            return "n=" + n + (last == null ? "" : "&last=" + query(last));
        }
    }

    /** The stores, read by whoever may open them: every repository and namespace is visible. */
    record Direct(Listing listing) implements Source {
        @Override
        public JsonNode repositories(String namespace, String last, int n) {
            return ListingJson.repositories(listing.repositories(namespace, last, n, repository -> true));
        }

        @Override
        public JsonNode tags(RepositoryName repository, String last, int n) {
            return ListingJson.tags(repository, listing.tags(repository, last, n));
        }

        @Override
        public JsonNode manifest(LifecycleCommands.ImageRef image) {
            return ListingJson.manifest(listing.manifest(image.repository(), image.reference()));
        }

        @Override
        public JsonNode usage() {
            return ListingJson.usage(listing.usage(namespace -> true));
        }
    }

    /** Finds the source (a server, else the stores), runs list against it. */
    abstract static class ListingCommand implements Callable<Integer> {
        @Mixin
        CommonOptions options;
        @Mixin
        ServerOptions server;
        @Option(names = "--json", description = "Print the JSON of the management API (for scripts) instead of a table.")
        boolean json;
        @Option(names = "--page-size", paramLabel = "N", defaultValue = "100",
                description = "Entries asked for per request while paging through a list. Default: ${DEFAULT-VALUE}")
        int pageSize;

        @Override
        public Integer call() throws Exception {
            ApiClient api = server.client();
            if (api != null) {
                return list(new Remote(api));
            }
            BerthConfig config = options.loadForStores(true, true);
            try (Instance instance = Instance.open(config, "cli-" + ProcessHandle.current().pid())) {
                return list(new Direct(instance.listing()));
            }
        }

        abstract int list(Source source) throws Exception;

        /** Every page of a list (page: last, n → one page), following "next"; at most 100000 pages. */
        ObjectNode allPages(java.util.function.BiFunction<String, Integer, JsonNode> page, String field) {
            if (pageSize < 1 || pageSize > 1000) {
                throw new IllegalArgumentException("--page-size must be from 1 to 1000");
            }
            ObjectNode first = null;
            ArrayNode items = null;
            String last = null;
            for (int i = 0; i < 100_000; i++) {
                JsonNode answer = page.apply(last, pageSize);
                if (first == null) {
                    first = (ObjectNode) answer;
                    items = (ArrayNode) first.get(field);
                } else {
                    items.addAll((ArrayNode) answer.get(field));
                }
                JsonNode next = answer.path("next");
                if (next.isNull() || next.isMissingNode() || next.asText().isEmpty() || next.asText().equals(last)) {
                    break;
                }
                last = next.asText();
            }
            first.putNull("next");
            return first;
        }
    }

    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List repositories: tags, manifests, size, last push.")
    static final class RepoList extends ListingCommand {
        @Option(names = "--namespace", paramLabel = "NS", description = "Only repositories of this namespace.") String namespace;

        @Override
        int list(Source source) {
            ObjectNode all = allPages((last, n) -> source.repositories(namespace, last, n), "repositories");
            if (json) {
                System.out.println(Json.write(all, true));
                return 0;
            }
            Table table = new Table("NAME", "TAGS", "MANIFESTS", "SIZE", "LAST PUSH");
            for (JsonNode r : all.path("repositories")) {
                table.row(r.path("name").asText(), r.path("tagCount").asText(), r.path("manifestCount").asText(),
                        size(r.path("sizeBytes")), time(r.path("lastPushAt")));
            }
            table.print();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tags of REPOSITORY with digest, size and push time.")
    static final class TagList extends ListingCommand {
        @Parameters(paramLabel = "REPOSITORY") String repository;

        @Override
        int list(Source source) {
            RepositoryName name = new RepositoryName(repository);
            ObjectNode all = allPages((last, n) -> source.tags(name, last, n), "tags");
            if (json) {
                System.out.println(Json.write(all, true));
                return 0;
            }
            Table table = new Table("TAG", "DIGEST", "SIZE", "PUSHED", "IMMUTABLE");
            for (JsonNode t : all.path("tags")) {
                table.row(t.path("tag").asText(), shortDigest(t.path("digest").asText()), size(t.path("sizeBytes")),
                        time(t.path("pushedAt")), t.path("immutable").asBoolean() ? "yes" : "");
            }
            table.print();
            return 0;
        }
    }

    @Command(name = "manifest", mixinStandardHelpOptions = true, description = "Inspect manifests.", subcommands = ManifestShow.class)
    static final class ManifestCommand {}

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a manifest: media type, size, tags, config, platform(s), layers, referrers.")
    static final class ManifestShow extends ListingCommand {
        @Parameters(paramLabel = "REPOSITORY:TAG|REPOSITORY@DIGEST") String ref;

        @Override
        int list(Source source) {
            JsonNode m = source.manifest(LifecycleCommands.ImageRef.parse(ref));
            if (json) {
                System.out.println(Json.write(m, true));
                return 0;
            }
            Table head = new Table();
            head.row("repository", m.path("repository").asText());
            head.row("digest", m.path("digest").asText());
            head.row("media type", m.path("mediaType").asText());
            if (!m.path("artifactType").isNull() && !m.path("artifactType").isMissingNode()) {
                head.row("artifact type", m.path("artifactType").asText());
            }
            head.row("size", size(m.path("sizeBytes")));
            head.row("tags", m.path("tags").isEmpty() ? "(none)" : AccessCommands.joined(m.path("tags")).replace(",", ", "));
            JsonNode config = m.path("config");
            if (config.isObject()) {
                head.row("config", config.path("digest").asText() + " (" + size(config.path("sizeBytes")) + ", "
                        + config.path("mediaType").asText() + ")");
                // A plain image's one platform (from its config) is a line of its own, not a list of children.
                m.path("platforms").forEach(p -> head.row("platform", platform(p)));
            }
            head.print();
            section("layers", m.path("layers"), new Table("DIGEST", "SIZE", "MEDIA TYPE"),
                    l -> new String[] {l.path("digest").asText(), size(l.path("sizeBytes")), l.path("mediaType").asText()});
            if (!config.isObject()) {
                section("platforms", m.path("platforms"), new Table("PLATFORM", "DIGEST", "SIZE"),
                        p -> new String[] {platform(p), p.path("digest").asText(), size(p.path("sizeBytes"))});
            }
            section("referrers", m.path("referrers"), new Table("DIGEST", "ARTIFACT TYPE", "MEDIA TYPE"), r -> new String[] {
                    r.path("digest").asText(), r.path("artifactType").asText("-"), r.path("mediaType").asText()});
            JsonNode annotations = m.path("annotations");
            if (annotations.isObject() && !annotations.isEmpty()) {
                System.out.println();
                System.out.println("annotations:");
                Table table = new Table();
                annotations.properties().forEach(e -> table.row("  " + e.getKey(), e.getValue().asText()));
                table.print();
            }
            return 0;
        }

        /** linux/arm64/v8. */
        private static String platform(JsonNode p) {
            String variant = p.path("variant").isTextual() ? p.path("variant").asText() : "";
            return p.path("os").asText() + "/" + p.path("architecture").asText() + (variant.isEmpty() ? "" : "/" + variant);
        }

        private static void section(String title, JsonNode items, Table table, java.util.function.Function<JsonNode, String[]> row) {
            if (!items.isArray() || items.isEmpty()) {
                return;
            }
            long total = 0;
            for (JsonNode item : items) {
                table.row(row.apply(item));
                total += item.path("sizeBytes").asLong();
            }
            System.out.println();
            System.out.println(title + " (" + items.size() + (total > 0 ? ", " + human(total) : "") + "):");
            table.indent = "  ";
            table.print();
        }
    }

    @Command(name = "usage", mixinStandardHelpOptions = true, description = "Storage used and quota of every namespace you can see.")
    static final class UsageCommand extends ListingCommand {
        @Override
        int list(Source source) {
            JsonNode usage = source.usage();
            if (json) {
                System.out.println(Json.write(usage, true));
                return 0;
            }
            Table table = new Table("NAMESPACE", "REPOSITORIES", "USED", "QUOTA", "USE");
            for (JsonNode n : usage.path("namespaces")) {
                JsonNode quota = n.path("quotaBytes");
                boolean limited = quota.isNumber() && quota.asLong() > 0;
                table.row(n.path("namespace").asText(), n.path("repositoryCount").asText(), size(n.path("usedBytes")),
                        limited ? human(quota.asLong()) : "none", limited ? String.format(Locale.ROOT, "%.0f%%",
                                100.0 * n.path("usedBytes").asLong() / quota.asLong()) : "");
            }
            table.print();
            return 0;
        }
    }

    // ---- formatting

    /** Columns padded to their widest cell, separated by three spaces; numbers and sizes are left as they are. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        String indent = "";

        Table(String... header) {
            if (header.length > 0) {
                rows.add(header);
            }
        }

        void row(String... cells) {
            rows.add(cells);
        }

        void print() {
            int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
            int[] widths = new int[columns];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    widths[i] = Math.max(widths[i], row[i] == null ? 1 : row[i].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder(indent);
                for (int i = 0; i < row.length; i++) {
                    String cell = row[i] == null ? "-" : row[i];
                    line.append(cell);
                    if (i < row.length - 1) {
                        line.append(" ".repeat(widths[i] - cell.length() + 3));
                    }
                }
                System.out.println(line.toString().stripTrailing());
            }
        }
    }

    /** 12.3 MiB, 512 B. */
    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }

    static String size(JsonNode bytes) {
        return bytes.isNumber() ? human(bytes.asLong()) : "-";
    }

    /** "5 minutes ago" within a week, else the ISO date and time (UTC, to the minute). */
    static String time(JsonNode at) {
        if (!at.isTextual()) {
            return "-";
        }
        Instant instant;
        try {
            instant = Instant.parse(at.asText());
        } catch (DateTimeParseException e) {
            return at.asText();
        }
        Duration ago = Duration.between(instant, Instant.now());
        if (ago.isNegative() || ago.toDays() >= 7) {
            return instant.toString().substring(0, 16).replace('T', ' ') + "Z";
        }
        long seconds = ago.toSeconds();
        if (seconds < 60) {
            return "just now";
        }
        long[] sizes = {86_400, 3_600, 60};
        String[] names = {"day", "hour", "minute"};
        for (int i = 0; i < sizes.length; i++) {
            if (seconds >= sizes[i]) {
                long n = seconds / sizes[i];
                return n + " " + names[i] + (n == 1 ? "" : "s") + " ago";
            }
        }
        return "just now";
    }

    /** sha256:0123456789ab, enough to tell digests apart in a table. */
    static String shortDigest(String digest) {
        int colon = digest.indexOf(':');
        return colon > 0 && digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
    }
}
