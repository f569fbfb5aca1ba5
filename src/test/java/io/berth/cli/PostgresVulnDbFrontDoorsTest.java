package io.berth.cli;

import io.berth.testing.BerthServer;
import io.berth.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The vulnerability database's front doors on a server with its metadata in a real PostgreSQL database. */
class PostgresVulnDbFrontDoorsTest extends VulnDbFrontDoorsContract {
    private final String yaml;

    PostgresVulnDbFrontDoorsTest() {
        PostgresServer postgres = PostgresServer.shared();
        yaml = "metadata:\n  url: \"" + postgres.jdbcUrl(postgres.createDatabase()) + "\"\n  user: " + PostgresServer.USER
                + "\n";
    }

    @Override
    protected String metadataYaml() {
        return yaml;
    }

    @Override
    protected List<String> directOptions(BerthServer server, Path work) throws Exception {
        Path config = work.resolve("postgres.yaml");
        Files.writeString(config, "data: \"" + work.resolve("cli-data") + "\"\n" + yaml);
        return List.of("--config", config.toString());
    }
}
