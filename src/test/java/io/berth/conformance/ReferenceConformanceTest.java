package io.berth.conformance;

import io.berth.testing.ReferenceRegistry;
import io.berth.testing.Started;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The conformance suite against the reference registry (CNCF Distribution 2.8), started once for every area; tests of
 * features it lacks are skipped. */
@DisplayName("Reference conformance")
class ReferenceConformanceTest extends ConformanceSuite {
    @RegisterExtension
    static final Started<ReferenceRegistry> reference = Started.by(ReferenceRegistry::start);
}
