package io.berth.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.berth.metadata.MetadataStore;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.registry.DigestLocks;
import io.berth.storage.BlobStore;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The layers of docs/ARCHITECTURE.md, held on Berth's compiled classes: `oci` and `config` at the ground, the
 * domain's records (`model`) on `oci`, the stores (`storage`, `metadata`) on them, the domain services (`registry`,
 * `auth`, `scan`) on the stores, the front doors (`http`, `ui`, `cli`) on the domain, and the wiring (`boot`) that opens the stores
 * from the configuration and hands the front doors their services. Dependencies point down only, no two packages
 * depend on each other, and no front door touches a store: only the domain and `boot` do.
 */
@Timeout(120)
class ArchitectureTest {
    private static JavaClasses berth;

    @BeforeAll
    static void importClasses() {
        berth = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.berth");
    }

    @Test
    void noTwoPackagesDependOnEachOther() {
        slices().matching("io.berth.(*)..").should().beFreeOfCycles().check(berth);
    }

    @Test
    void theValueTypesAndTheConfigurationDependOnNoOtherPackageOfBerth() {
        noClasses().that().resideInAPackage("io.berth.oci..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.config..", "io.berth.model..", "io.berth.storage..", "io.berth.metadata..",
                        "io.berth.registry..", "io.berth.auth..", "io.berth.scan..", "io.berth.http..", "io.berth.ui..", "io.berth.cli..", "io.berth.boot..")
                .check(berth);
        noClasses().that().resideInAPackage("io.berth.config..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.oci..", "io.berth.model..", "io.berth.storage..", "io.berth.metadata..",
                        "io.berth.registry..", "io.berth.auth..", "io.berth.scan..", "io.berth.http..", "io.berth.ui..", "io.berth.cli..", "io.berth.boot..")
                .check(berth);
    }

    @Test
    void theDomainsRecordsDependOnlyOnTheValueTypes() {
        noClasses().that().resideInAPackage("io.berth.model..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.config..", "io.berth.storage..", "io.berth.metadata..",
                        "io.berth.registry..", "io.berth.auth..", "io.berth.scan..", "io.berth.http..", "io.berth.ui..", "io.berth.cli..", "io.berth.boot..")
                .check(berth);
    }

    @Test
    void theStoresKnowNeitherEachOtherNorAnythingAboveThem() {
        noClasses().that().resideInAPackage("io.berth.storage..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.config..", "io.berth.model..", "io.berth.metadata..", "io.berth.registry..",
                        "io.berth.auth..", "io.berth.scan..", "io.berth.http..", "io.berth.ui..", "io.berth.cli..", "io.berth.boot..")
                .check(berth);
        noClasses().that().resideInAPackage("io.berth.metadata..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.config..", "io.berth.storage..", "io.berth.registry..",
                        "io.berth.auth..", "io.berth.scan..", "io.berth.http..", "io.berth.ui..", "io.berth.cli..", "io.berth.boot..")
                .check(berth);
    }

    @Test
    void theDomainKnowsNoFrontDoor() {
        noClasses().that().resideInAnyPackage("io.berth.registry..", "io.berth.auth..", "io.berth.scan..").should()
                .dependOnClassesThat().resideInAnyPackage("io.berth.http..", "io.berth.ui..", "io.berth.cli..", "io.berth.boot..")
                .check(berth);
        noClasses().that().resideInAPackage("io.berth.auth..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.registry..", "io.berth.storage..")
                .check(berth);
    }

    @Test
    void onlyTheCommitProtocolTakesTheDigestLocks() {
        noClasses().that().doNotBelongToAnyOf(DigestLocks.class).should()
                .callMethod(BlobStore.class, "lock", Digest.class)
                .orShould().callMethod(MetadataStore.class, "lockDigest", Digest.class)
                .because("a commit and a collection of a digest take both locks in one order (docs/design/gc.md)")
                .check(berth);
    }

    @Test
    void belowTheHttpLayerNoErrorNamesAStatusOrAHeader() {
        noClasses().that().resideOutsideOfPackage("io.berth.http..").and().doNotBelongToAnyOf(RegistryException.class)
                .should().callConstructor(RegistryException.class, ErrorCode.class, String.class, Object.class,
                        Map.class)
                .because("statuses come from the ErrorCode table, and only the HTTP layer renders headers")
                .check(berth);
    }

    @Test
    void theHttpLayerIsNotDrivenByTheCommandLineOrTheWiring() {
        noClasses().that().resideInAPackage("io.berth.http..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.cli..", "io.berth.boot..", "io.berth.ui..")
                .check(berth);
    }

    @Test
    void theWebUiIsAFrontDoorOnTheHttpServer() {
        noClasses().that().resideInAPackage("io.berth.ui..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.cli..", "io.berth.boot..")
                .because("the UI installs its routes into the HTTP server and calls registry and auth, like http")
                .check(berth);
        noClasses().that().resideInAPackage("io.berth.cli..").should().dependOnClassesThat()
                .resideInAnyPackage("io.berth.ui..")
                .check(berth);
    }

    @Test
    void theFrontDoorsTouchNoStore() {
        noClasses().that().resideInAnyPackage("io.berth.http..", "io.berth.ui..", "io.berth.cli..").should()
                .dependOnClassesThat().resideInAnyPackage("io.berth.metadata..", "io.berth.storage..")
                .because("the front doors call the domain services (registry, auth, scan); boot wires the stores")
                .check(berth);
    }

    @Test
    void onlyTheDomainAndTheWiringTouchTheStores() {
        noClasses().that().resideOutsideOfPackages("io.berth.metadata..", "io.berth.storage..", "io.berth.registry..",
                        "io.berth.auth..", "io.berth.scan..", "io.berth.boot..")
                .should().dependOnClassesThat().resideInAnyPackage("io.berth.metadata..", "io.berth.storage..")
                .because("boot alone opens the stores from the configuration and hands out the domain services"
                        + " (registry, auth, scan)")
                .check(berth);
    }

    @Test
    void onlyTheWiringIsAboveTheHttpLayer() {
        noClasses().that().resideOutsideOfPackages("io.berth.boot..", "io.berth.cli..").should()
                .dependOnClassesThat().resideInAnyPackage("io.berth.boot..")
                .check(berth);
    }
}
