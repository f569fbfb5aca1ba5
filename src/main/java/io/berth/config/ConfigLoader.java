package io.berth.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds a {@link BerthConfig}: defaults, then a YAML file, then BERTH_* environment variables, then flags. */
public final class ConfigLoader {
    private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h|d)");

    private final ObjectMapper yaml;

    public ConfigLoader() {
        SimpleModule durations = new SimpleModule();
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                return parseDuration(p.getValueAsString());
            }
        });
        durations.addDeserializer(ByteSize.class, new JsonDeserializer<>() {
            @Override
            public ByteSize deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                return ByteSize.parse(p.getValueAsString());
            }
        });
        durations.addDeserializer(Path.class, new JsonDeserializer<>() {
            @Override
            public Path deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                String text = p.getValueAsString();
                if (text == null) {
                    throw new ConfigException("expected a path, not a list or mapping");
                }
                try {
                    return Path.of(text);
                } catch (InvalidPathException e) {
                    throw new ConfigException("invalid path: " + e.getMessage());
                }
            }
        });
        this.yaml = new ObjectMapper(new YAMLFactory())
                .registerModule(durations)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /**
     * @param file    a YAML file, or null
     * @param env     the environment (BERTH_HTTP_LISTEN=... sets http.listen)
     * @param flags   dotted keys set on the command line, applied last
     */
    public BerthConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        ObjectNode tree = defaults();
        if (file != null) {
            JsonNode overlay = readYaml(file);
            if (overlay != null && !overlay.isMissingNode() && !overlay.isNull()) {
                if (!overlay.isObject()) {
                    throw new ConfigException(file + ": expected a mapping at the top level");
                }
                merge(tree, (ObjectNode) overlay, "");
            }
        }
        env.entrySet().stream()
                .filter(e -> e.getKey().startsWith("BERTH_") && !LAUNCHER_VARIABLES.contains(e.getKey()))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> setByEnvName(tree, e.getKey().substring("BERTH_".length()), e.getValue()));
        flags.forEach((key, value) -> set(tree, List.of(key.split("\\.")), value, key));
        checkChoices(tree);
        BerthConfig config;
        try {
            config = yaml.treeToValue(tree, BerthConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException format
                    && (format.getTargetType() == boolean.class || format.getTargetType() == Boolean.class)) {
                // Jackson's text names a Java type; say which key and which words it takes.
                throw new ConfigException(where(e).replaceFirst("^ at ", "") + ": invalid value '" + format.getValue()
                        + "' (use true or false)");
            }
            throw new ConfigException("invalid configuration" + where(e) + ": " + e.getOriginalMessage());
        }
        checkTls(config.http().tls());
        checkListen("metrics.listen", config.metrics().listen());
        checkRegistryHost(config.ui().registryHost());
        return config;
    }

    /**
     * The keys that take one of a few words, with the words. A value outside them is refused in one line naming key,
     * value and the allowed values, rather than silently meaning a default.
     */
    static final Map<String, List<String>> CHOICES = Map.of(
            "log.level", List.of("trace", "debug", "info", "warn", "error", "off"),
            "storage.type", List.of("filesystem", "s3"),
            "metadata.sqliteSynchronous", List.of("normal", "full"),
            "log.format", List.of("text", "json"));

    /** Refuses a value of a {@link #CHOICES} key outside its words; a word in other case is taken (INFO is info). */
    private static void checkChoices(ObjectNode tree) {
        CHOICES.forEach((key, allowed) -> {
            List<String> path = List.of(key.split("\\."));
            JsonNode node = tree;
            for (String name : path.subList(0, path.size() - 1)) {
                node = node.path(name);
            }
            JsonNode value = node.get(path.get(path.size() - 1));
            if (value == null || !(node instanceof ObjectNode parent)) {
                return;
            }
            String text = value.isValueNode() ? value.asText().trim().toLowerCase(Locale.ROOT) : value.toString();
            if (!allowed.contains(text)) {
                throw new ConfigException(key + ": unknown value '" + (value.isValueNode() ? value.asText() : text)
                        + "' (allowed: " + String.join(", ", allowed) + ")");
            }
            parent.set(path.get(path.size() - 1), TextNode.valueOf(text));
        });
    }

    /** The file's YAML tree; a file that cannot be read or parsed is refused in one line with path, line and column. */
    private JsonNode readYaml(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException("cannot read the configuration file " + file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException("cannot read the configuration file " + file + ": permission denied");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ConfigException("cannot read the configuration file " + file + ": not UTF-8 text");
        } catch (IOException e) {
            String reason = e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null ? fs.getReason()
                    : String.valueOf(e.getMessage());
            throw new ConfigException("cannot read the configuration file " + file + ": "
                    + reason.toLowerCase(Locale.ROOT));
        }
        try {
            return yaml.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException(syntaxError(file, e));
        }
    }

    /** "berth.yaml line 3, column 9 (at http.listen): mapping values are not allowed here". */
    private static String syntaxError(Path file, com.fasterxml.jackson.core.JsonProcessingException e) {
        StringBuilder line = new StringBuilder("invalid YAML in ").append(file);
        com.fasterxml.jackson.core.JsonLocation location = e.getLocation();
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked
                && marked.getProblemMark() != null) {
            // Where the problem is; Jackson's location is where the parser stood, sometimes a line before.
            line.append(" line ").append(marked.getProblemMark().getLine() + 1)
                    .append(", column ").append(marked.getProblemMark().getColumn() + 1);
        } else if (location != null && location.getLineNr() > 0) {
            line.append(" line ").append(location.getLineNr()).append(", column ").append(location.getColumnNr());
        }
        if (e.getProcessor() instanceof JsonParser parser) {
            String key = keyPath(parser.getParsingContext());
            if (!key.isEmpty()) {
                line.append(" (at ").append(key).append(')');
            }
        }
        String message;
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblem() != null) {
            // SnakeYAML's message quotes the lines around the mark; its context and problem say it in one line.
            message = (marked.getContext() == null ? "" : marked.getContext() + ": ") + marked.getProblem();
        } else {
            message = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("").strip();
        }
        return line.append(": ").append(message).toString();
    }

    /** The dotted key path of the parser's context, "" at the top. */
    private static String keyPath(com.fasterxml.jackson.core.JsonStreamContext context) {
        List<String> names = new ArrayList<>();
        for (com.fasterxml.jackson.core.JsonStreamContext c = context; c != null; c = c.getParent()) {
            if (c.hasCurrentName()) {
                names.add(0, c.getCurrentName());
            }
        }
        return String.join(".", names);
    }

    /** Half a TLS configuration would serve plain HTTP to clients that meant HTTPS: refuse it. */
    private static void checkTls(BerthConfig.Tls tls) {
        boolean certificate = tls != null && tls.certificate() != null && !tls.certificate().isBlank();
        boolean key = tls != null && tls.key() != null && !tls.key().isBlank();
        if (certificate != key) {
            throw new ConfigException((certificate ? "http.tls.certificate is set but http.tls.key is not"
                    : "http.tls.key is set but http.tls.certificate is not")
                    + ": set both to serve HTTPS, or neither to serve plain HTTP");
        }
    }

    /** host:port, [v6]:port or empty (not set): anything else is refused naming the key. */
    private static void checkListen(String key, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        Matcher m = HOST_PORT.matcher(value.trim());
        if (!m.matches() || Integer.parseInt(m.group(1)) > 65535) {
            throw new ConfigException(key + ": invalid value '" + value + "' (use host:port, e.g. 127.0.0.1:9090)");
        }
    }

    /** host[:port] (a DNS name or an IPv4 or [IPv6] address) or empty: anything else is refused. */
    private static void checkRegistryHost(String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        Matcher m = REGISTRY_HOST.matcher(value);
        if (!m.matches() || (m.group(1) != null && Integer.parseInt(m.group(1)) > 65535)) {
            throw new ConfigException("ui.registryHost: invalid value '" + value
                    + "' (use host or host:port as clients pull from, e.g. registry.example.com or 10.0.0.5:5000)");
        }
    }

    private static final Pattern REGISTRY_HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                    + "|\\[[0-9A-Fa-f:.]{2,45}\\])(?::([0-9]{1,5}))?");

    private static final Pattern HOST_PORT = Pattern.compile("(?:[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]):([0-9]{1,5})");

    /** " at uploads.maxAge" when Jackson failed inside a key, so that the one-line error names what to fix. */
    private static String where(com.fasterxml.jackson.core.JsonProcessingException e) {
        if (!(e instanceof JsonMappingException mapping)) {
            return "";
        }
        String path = mapping.getPath().stream().map(JsonMappingException.Reference::getFieldName)
                .filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.joining("."));
        return path.isEmpty() ? "" : " at " + path;
    }

    private ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("defaults.yaml")) {
            return (ObjectNode) yaml.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("defaults.yaml missing from the jar", e);
        }
    }

    /** Overlays source onto target, refusing keys the defaults do not have. */
    private static void merge(ObjectNode target, ObjectNode source, String path) {
        for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode existing = target.get(e.getKey());
            if (existing == null) {
                throw new ConfigException("unknown configuration key: " + key);
            }
            if (existing.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new ConfigException(key + " must be a mapping");
                }
                merge((ObjectNode) existing, (ObjectNode) e.getValue(), key);
            } else {
                target.set(e.getKey(), e.getValue().isNull() ? TextNode.valueOf("") : e.getValue());
            }
        }
    }

    /** BERTH_* variables of the launcher, scripts and command line, not configuration. */
    private static final java.util.Set<String> LAUNCHER_VARIABLES = java.util.Set.of("BERTH_HOME", "BERTH_JAVA_OPTS", "BERTH_JAR",
            // the command line's own: which Berth a command acts on, and how it logs in to a server
            "BERTH_CONFIG", "BERTH_SERVER", "BERTH_USER", "BERTH_PASSWORD", "BERTH_LOGIN_FILE", "BERTH_CACERT");

    /** Environment variables whose names are shorter than their key path. */
    private static final Map<String, List<String>> ALIASES = Map.of("ADMIN_PASSWORD", List.of("auth", "adminPassword"));

    /** BERTH_UPLOADS_MAX_AGE and BERTH_UPLOADS_MAXAGE both set uploads.maxAge. */
    private static void setByEnvName(ObjectNode tree, String name, String value) {
        if (ALIASES.containsKey(name)) {
            set(tree, ALIASES.get(name), value, "BERTH_" + name);
            return;
        }
        List<String> path = resolve(tree, List.of(name.toLowerCase(Locale.ROOT).split("_")));
        if (path == null) {
            throw new ConfigException("unknown configuration variable: BERTH_" + name);
        }
        set(tree, path, value, "BERTH_" + name);
    }

    /** The key path whose keys, lower-cased, spell the tokens (a key may span several tokens); null if none. */
    private static List<String> resolve(JsonNode node, List<String> tokens) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            JsonNode child = node.get(key);
            StringBuilder joined = new StringBuilder();
            for (int k = 1; k <= tokens.size(); k++) {
                joined.append(tokens.get(k - 1));
                if (!joined.toString().equals(key.toLowerCase(Locale.ROOT))) {
                    continue;
                }
                List<String> rest = tokens.subList(k, tokens.size());
                if (child.isObject() && !rest.isEmpty()) {
                    List<String> tail = resolve(child, rest);
                    if (tail != null) {
                        List<String> path = new ArrayList<>(List.of(key));
                        path.addAll(tail);
                        return path;
                    }
                } else if (!child.isObject() && rest.isEmpty()) {
                    return List.of(key);
                }
            }
        }
        return null;
    }

    private static void set(ObjectNode tree, List<String> path, String value, String source) {
        ObjectNode node = tree;
        for (int i = 0; i < path.size() - 1; i++) {
            JsonNode child = node.get(path.get(i));
            if (child == null || !child.isObject()) {
                throw new ConfigException("unknown configuration key from " + source);
            }
            node = (ObjectNode) child;
        }
        String leaf = path.get(path.size() - 1);
        JsonNode existing = node.get(leaf);
        if (existing == null || existing.isObject()) {
            throw new ConfigException("unknown configuration key from " + source);
        }
        node.set(leaf, TextNode.valueOf(value));
    }

    /** "500ms", "2s", "10m", "24h", "7d", or ISO-8601 ("PT2S"). */
    public static Duration parseDuration(String text) {
        String trimmed = text == null ? "" : text.trim();
        Matcher m = DURATION.matcher(trimmed);
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } catch (NumberFormatException | ArithmeticException e) {
                throw new ConfigException("duration too long: " + text);
            }
        }
        try {
            return Duration.parse(trimmed);
        } catch (RuntimeException e) {
            throw new ConfigException("invalid duration: " + text + " (use e.g. 500ms, 30s, 10m, 24h, 7d)");
        }
    }
}
