package io.berth.conformance;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** The conformance suite against Berth, started once from this build for every area. */
@DisplayName("Berth conformance")
class BerthConformanceTest {
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

    @Nested
    @DisplayName("API base")
    class ApiBase extends ApiBaseConformance {
        @Override
        protected RegistryUnderTest registry() {
            return berth;
        }
    }

    @Nested
    @DisplayName("blobs")
    class Blobs extends BlobConformance {
        @Override
        protected RegistryUnderTest registry() {
            return berth;
        }
    }

    @Nested
    @DisplayName("uploads")
    class Uploads extends UploadConformance {
        @Override
        protected RegistryUnderTest registry() {
            return berth;
        }
    }

    @Nested
    @DisplayName("manifests")
    class Manifests extends ManifestConformance {
        @Override
        protected RegistryUnderTest registry() {
            return berth;
        }
    }

    @Nested
    @DisplayName("referrers")
    class Referrers extends ReferrersConformance {
        @Override
        protected RegistryUnderTest registry() {
            return berth;
        }
    }

    @Nested
    @DisplayName("listing")
    class Listing extends ListingConformance {
        @Override
        protected RegistryUnderTest registry() {
            return berth;
        }
    }

    @Nested
    @DisplayName("errors")
    class Errors extends ErrorConformance {
        @Override
        protected RegistryUnderTest registry() {
            return berth;
        }
    }
}
