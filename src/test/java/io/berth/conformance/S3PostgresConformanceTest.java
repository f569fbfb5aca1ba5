package io.berth.conformance;

import io.berth.scaleout.SharedStores;
import io.berth.testing.BerthServer;
import java.nio.file.Path;
import java.util.List;
import io.berth.testing.Started;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The conformance suite against Berth with its blobs in a real S3 API server (S3Proxy) and its metadata in a real
 * PostgreSQL: the deployment of a fleet, as one node. Both servers are the test JVM's shared ones, with a fresh bucket
 * and database. */
@DisplayName("Berth on S3 and PostgreSQL conformance")
class S3PostgresConformanceTest extends ConformanceSuite {
    @RegisterExtension
    static final Started<BerthServer> berth = Started.by(S3PostgresConformanceTest::startOnSharedStores);

    private static BerthServer startOnSharedStores() {
        SharedStores stores = SharedStores.start();
        Path data = BerthServer.newDataDir();
        Path config = stores.writeConfig(data.resolveSibling("berth.yaml"), "");
        return BerthServer.start(data, List.of("--config", config.toString()), SharedStores.NODE_ENV);
    }
}
