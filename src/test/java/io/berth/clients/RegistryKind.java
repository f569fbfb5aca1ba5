package io.berth.clients;

import io.berth.testing.BerthServer;
import io.berth.testing.ReferenceRegistry;
import io.berth.testing.RegistryUnderTest;

/** The registries every client scenario runs against: the reference registry first, to prove the test, then Berth. */
enum RegistryKind {
    REFERENCE("reference"),
    BERTH("berth");

    private final String displayName;

    RegistryKind(String displayName) {
        this.displayName = displayName;
    }

    RegistryUnderTest start() {
        return switch (this) {
            case REFERENCE -> ReferenceRegistry.start();
            case BERTH -> BerthServer.start();
        };
    }

    @Override
    public String toString() {
        return displayName;
    }
}
