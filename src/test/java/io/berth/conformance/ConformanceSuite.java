package io.berth.conformance;

import io.berth.testing.RegistryUnderTest;
import io.berth.testing.Started;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * Every conformance area against one registry: a subclass declares the registry as its one static
 * {@code @RegisterExtension Started<...>} field, started once for all areas. The areas are inherited nested classes,
 * so each registry under test runs the same suite.
 */
abstract class ConformanceSuite {
    /** The registry every area of this suite runs against: the value of the subclass's Started field. */
    protected RegistryUnderTest server() {
        for (Field field : getClass().getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == Started.class) {
                try {
                    field.setAccessible(true);
                    return (RegistryUnderTest) ((Started<?>) field.get(null)).get();
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException(getClass() + " declares no static Started field");
    }

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
