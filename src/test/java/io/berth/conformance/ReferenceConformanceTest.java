package io.berth.conformance;

import io.berth.testing.ReferenceRegistry;
import io.berth.testing.RegistryUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** The conformance suite against The reference registry (CNCF Distribution 2.8), started once for every area; tests of features it lacks are skipped. */
@DisplayName("Reference conformance")
class ReferenceConformanceTest {
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

    @Nested
    @DisplayName("API base")
    class ApiBase extends ApiBaseConformance {
        @Override
        protected RegistryUnderTest registry() {
            return reference;
        }
    }

    @Nested
    @DisplayName("blobs")
    class Blobs extends BlobConformance {
        @Override
        protected RegistryUnderTest registry() {
            return reference;
        }
    }

    @Nested
    @DisplayName("uploads")
    class Uploads extends UploadConformance {
        @Override
        protected RegistryUnderTest registry() {
            return reference;
        }
    }

    @Nested
    @DisplayName("manifests")
    class Manifests extends ManifestConformance {
        @Override
        protected RegistryUnderTest registry() {
            return reference;
        }
    }

    @Nested
    @DisplayName("referrers")
    class Referrers extends ReferrersConformance {
        @Override
        protected RegistryUnderTest registry() {
            return reference;
        }
    }

    @Nested
    @DisplayName("listing")
    class Listing extends ListingConformance {
        @Override
        protected RegistryUnderTest registry() {
            return reference;
        }
    }

    @Nested
    @DisplayName("errors")
    class Errors extends ErrorConformance {
        @Override
        protected RegistryUnderTest registry() {
            return reference;
        }
    }
}
