package io.berth.cli;

import io.berth.config.BerthConfig;
import io.berth.config.ConfigLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command shares: where the data and the configuration file are. */
final class CommonOptions {
    @Option(names = "--data", description = "Data directory (blobs and SQLite metadata). Default: ./data")
    Path data;

    @Option(names = "--config", description = "YAML configuration file")
    Path config;

    BerthConfig load(Map<String, String> extraFlags) {
        Map<String, String> flags = new LinkedHashMap<>(extraFlags);
        if (data != null) {
            flags.put("data", data.toString());
        }
        return new ConfigLoader().load(config, System.getenv(), flags);
    }
}
