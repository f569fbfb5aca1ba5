package io.berth.cli;

import io.berth.boot.Stores;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Options every command shares: which Berth it acts on. The configuration file is --config or else BERTH_CONFIG;
 * a command that opens the stores without one says which data directory (or database) it uses, and refuses when
 * nothing names one and ./data does not exist, so it never acts on an empty directory by mistake.
 */
final class CommonOptions {
    @Option(names = "--data", description = "Data directory (blobs and SQLite metadata). Default: data: of the configuration, else ./data")
    Path data;

    @Option(names = "--config", description = "YAML configuration file. Default: $BERTH_CONFIG")
    Path config;

    /** --config, else BERTH_CONFIG, else null. */
    Path configFile() {
        if (config != null) {
            return config;
        }
        String env = System.getenv("BERTH_CONFIG");
        return env == null || env.isBlank() ? null : Path.of(env.trim());
    }

    /** BERTH_* variables of the command line itself, which are not configuration keys. */
    private static final Set<String> CREATES_DATA = Set.of("serve", "import-distribution");

    /** The command this is mixed into: serve may create its data directory, the others refuse a missing one. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The configuration. A data directory named by --data or BERTH_DATA that does not exist is refused (a typo would
     * otherwise become a new, empty Berth), except by serve (a first start) and import-distribution (which fills a
     * new one, as docs/DEPLOYMENT.md shows).
     */
    BerthConfig load(Map<String, String> extraFlags) {
        if (command == null || !CREATES_DATA.contains(command.name())) {
            String envData = System.getenv("BERTH_DATA");
            Path named = data != null ? data : envData == null || envData.isBlank() ? null : Path.of(envData.trim());
            if (named != null && !Files.isDirectory(named)) {
                throw new IllegalArgumentException("no such data directory " + named.toAbsolutePath().normalize());
            }
        }
        Map<String, String> flags = new LinkedHashMap<>(extraFlags);
        if (data != null) {
            flags.put("data", data.toString());
        }
        return new ConfigLoader().load(configFile(), System.getenv(), flags);
    }

    /** Marks a command that only reads the stores: it refuses an embedded Berth that does not exist yet. */
    interface ReadsOnly {}

    /**
     * The configuration of a command that opens the stores itself. Without a configuration file it prints (to
     * stderr, one line) the data directory or database it uses; with nothing that names one (no --config,
     * BERTH_CONFIG, --data or BERTH_DATA) it refuses unless ./data exists. orServer: the command also has --server.
     */
    BerthConfig loadForStores(boolean orServer) {
        return loadForStores(orServer, false);
    }

    /**
     * The same; readOnly: the command only reads, so an embedded Berth without its database (an empty data
     * directory) is refused rather than created by opening it.
     */
    BerthConfig loadForStores(boolean orServer, boolean readOnly) {
        String alternatives = (orServer ? ", --server URL (or set BERTH_SERVER)" : "") + " or --data DIR";
        requireNamed(alternatives);
        BerthConfig loaded = load(Map.of());
        boolean sqlite = loaded.metadata().url() == null || loaded.metadata().url().isBlank();
        Path directory = loaded.data().toAbsolutePath().normalize();
        if (readOnly && sqlite && !Files.exists(directory.resolve("berth.db"))) {
            throw new IllegalArgumentException("no Berth in " + directory + ": it holds no berth.db, nothing was stored"
                    + " there; pass --config FILE (or set BERTH_CONFIG)" + alternatives + " of an existing one");
        }
        if (configFile() == null) {
            boolean embedded = sqlite && !"s3".equals(loaded.storage().type());
            System.err.println("berth: using " + (embedded ? "data directory " + directory : Stores.describe(loaded))
                    + " (no --config or BERTH_CONFIG)");
        }
        return loaded;
    }

    /**
     * Refuses when nothing names a Berth (no --config, BERTH_CONFIG, --data or BERTH_DATA) and ./data does not exist;
     * alternatives ends the refusal's list of what to pass.
     */
    void requireNamed(String alternatives) {
        String envData = System.getenv("BERTH_DATA");
        boolean named = configFile() != null || data != null || (envData != null && !envData.isBlank());
        if (!named && !Files.isDirectory(Path.of("data"))) {
            throw new IllegalArgumentException("no Berth to act on: ./data does not exist here; pass --config FILE (or set"
                    + " BERTH_CONFIG)" + alternatives);
        }
    }
}
