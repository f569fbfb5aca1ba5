package io.berth.conformance;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The conformance suite against Berth (SQLite metadata, filesystem blobs), started once from this build for every area. */
@DisplayName("Berth conformance")
class BerthConformanceTest extends ConformanceSuite {
    private static BerthServer berth;

    @BeforeAll
    static void start() {
        berth = BerthServer.start();
    }

    @AfterAll
    static void stop() {
        if (berth != null) {
            berth.close();
        }
    }

    @Override
    protected RegistryUnderTest server() {
        return berth;
    }
}
