package io.berth.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.metadata.LifecycleStore;
import io.berth.model.RetentionRule;
import io.berth.model.ManifestRecord;
import io.berth.metadata.MetadataStore;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Retention on the real embedded metadata store, without HTTP: rules stored before rules were checked. */
@Timeout(30)
class RetentionTest {
    @TempDir
    Path dir;

    private DomainFixture domain;
    private MetadataStore metadata;
    private LifecycleStore store;
    private Retention retention;
    private final RepositoryName repo = new RepositoryName("team/app");

    @BeforeEach
    void open() {
        domain = DomainFixture.open(dir);
        metadata = domain.metadata;
        store = domain.lifecycle;
        retention = domain.retention;
        for (int i = 1; i <= 3; i++) {
            Digest d = Digest.sha256(("manifest " + i).getBytes(StandardCharsets.UTF_8));
            metadata.putManifest(new ManifestRecord(repo, d, "application/vnd.oci.image.manifest.v1+json", 100, null,
                    null, Map.of()), List.of(), List.of(), List.of(new Tag("build-" + i)));
        }
    }

    @AfterEach
    void close() {
        domain.close();
    }

    private void storeRule(String pattern, Integer keepLast, Integer maxAgeDays, List<String> keep) {
        store.addRetentionRule(new RetentionRule("r" + pattern.hashCode() + keepLast + maxAgeDays, "team", pattern,
                keepLast, maxAgeDays, keep, "old-release", Instant.now()));
    }

    @Test
    void aStoredRuleThatKeepsNoneOrHasABrokenPatternRemovesNothing() {
        storeRule("*", 0, null, List.of());
        storeRule("*", -5, null, List.of());
        storeRule("*", null, 0, List.of());
        storeRule("build-[", 1, null, List.of());
        storeRule("*", 1, null, List.of("[x"));
        assertThat(retention.run("team", true, "test")).isEmpty();
        assertThat(retention.run(null, false, "test")).isEmpty();
        assertThat(metadata.tags(repo, null, 10).items()).containsExactly("build-1", "build-2", "build-3");
    }

    @Test
    void aValidRuleBesideThemStillApplies() {
        storeRule("*", 0, null, List.of());
        storeRule("build-*", 2, null, List.of());
        assertThat(retention.run("team", false, "test")).hasSize(1);
        assertThat(metadata.tags(repo, null, 10).items()).hasSize(2);
    }
}
