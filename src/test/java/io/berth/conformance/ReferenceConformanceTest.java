package io.berth.conformance;

import io.berth.testing.ReferenceRegistry;
import io.berth.testing.RegistryUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The conformance suite against the reference registry (CNCF Distribution 2.8), started once for every area; tests of
 * features it lacks are skipped. */
@DisplayName("Reference conformance")
class ReferenceConformanceTest extends ConformanceSuite {
    private static ReferenceRegistry reference;

    @BeforeAll
    static void start() {
        reference = ReferenceRegistry.start();
    }

    @AfterAll
    static void stop() {
        if (reference != null) {
            reference.close();
        }
    }

    @Override
    protected RegistryUnderTest server() {
        return reference;
    }
}
