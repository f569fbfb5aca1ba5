package io.berth.conformance;

import io.berth.testing.BerthServer;
import io.berth.testing.Started;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The conformance suite against Berth (SQLite metadata, filesystem blobs), started once from this build for every area. */
@DisplayName("Berth conformance")
class BerthConformanceTest extends ConformanceSuite {
    @RegisterExtension
    static final Started<BerthServer> berth = Started.by(BerthServer::start);
}
