package io.berth.conformance;

import io.berth.testing.RegistryUnderTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * Every conformance area against one registry: a subclass starts the registry once for all areas (in a static
 * {@code @BeforeAll}) and names it in {@link #server()}. The areas are inherited nested classes, so each registry
 * under test runs the same suite.
 */
abstract class ConformanceSuite {
    /** The registry every area of this suite runs against. */
    protected abstract RegistryUnderTest server();

    @Nested
    @DisplayName("API base")
    class ApiBase extends ApiBaseConformance {
        @Override
        protected RegistryUnderTest registry() {
            return server();
        }
    }

    @Nested
    @DisplayName("blobs")
    class Blobs extends BlobConformance {
        @Override
        protected RegistryUnderTest registry() {
            return server();
        }
    }

    @Nested
    @DisplayName("uploads")
    class Uploads extends UploadConformance {
        @Override
        protected RegistryUnderTest registry() {
            return server();
        }
    }

    @Nested
    @DisplayName("manifests")
    class Manifests extends ManifestConformance {
        @Override
        protected RegistryUnderTest registry() {
            return server();
        }
    }

    @Nested
    @DisplayName("referrers")
    class Referrers extends ReferrersConformance {
        @Override
        protected RegistryUnderTest registry() {
            return server();
        }
    }

    @Nested
    @DisplayName("listing")
    class Listing extends ListingConformance {
        @Override
        protected RegistryUnderTest registry() {
            return server();
        }
    }

    @Nested
    @DisplayName("errors")
    class Errors extends ErrorConformance {
        @Override
        protected RegistryUnderTest registry() {
            return server();
        }
    }
}
