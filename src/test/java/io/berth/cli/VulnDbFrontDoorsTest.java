package io.berth.cli;

import io.berth.testing.BerthServer;
import java.nio.file.Path;
import java.util.List;

/** The vulnerability database's front doors on a server with SQLite in its data directory. */
class VulnDbFrontDoorsTest extends VulnDbFrontDoorsContract {
    @Override
    protected String metadataYaml() {
        return "";
    }

    @Override
    protected List<String> directOptions(BerthServer server, Path work) {
        return List.of("--data", server.dataDir().toString());
    }
}
