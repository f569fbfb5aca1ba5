package io.berth.registry;

import static io.berth.registry.DomainFixture.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.model.RetentionRule;
import io.berth.model.TagMove;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry, Policies, Retention, tag history and the GarbageCollector on the real embedded stores (SQLite and the
 * filesystem), without HTTP: what the registry does, apart from how the API spells it.
 */
@Timeout(60)
class DomainTest {
    private static final RepositoryName APP = new RepositoryName("team/app");
    private static final Tag LATEST = new Tag("latest");

    @TempDir
    Path dir;

    private DomainFixture domain;

    @BeforeEach
    void open() {
        domain = DomainFixture.open(dir);
    }

    @AfterEach
    void close() {
        domain.close();
    }

    @Test
    void aPushedImageIsServedByTagAndDigestWithItsBlobsLinked() {
        byte[] config = bytes("{\"architecture\":\"amd64\"}");
        byte[] layer = bytes("layer bytes");
        Digest manifest = domain.pushImage(APP, "1.0", "alice", config, layer);

        Registry.StoredManifest byTag = domain.registry.manifest(APP, new Reference(new Tag("1.0"), null));
        assertThat(Digest.sha256(byTag.bytes())).isEqualTo(manifest);
        assertThat(byTag.record().digest()).isEqualTo(manifest);
        assertThat(domain.registry.manifest(APP, new Reference(null, manifest)).bytes()).isEqualTo(byTag.bytes());
        assertThat(domain.metadata.linkedBlobSize(APP, Digest.sha256(config))).contains((long) config.length);
        assertThat(domain.metadata.linkedBlobSize(APP, Digest.sha256(layer))).contains((long) layer.length);
        assertThat(domain.registry.tags(APP, null, 10).items()).containsExactly("1.0");
        assertThat(domain.registry.manifest(APP, new Reference(new Tag("1.0"), null)).record().repository()).isEqualTo(APP);
        assertThatThrownBy(() -> domain.registry.manifest(new RepositoryName("team/other"), new Reference(null, manifest)))
                .as("another repository does not serve it").isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_UNKNOWN));
    }

    @Test
    void aManifestNamingABlobTheRepositoryLacksIsRefusedAndNothingIsTagged() {
        byte[] manifest = bytes("{\"schemaVersion\":2,\"mediaType\":\"" + DomainFixture.OCI_MANIFEST + "\",\"config\":"
                + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + Digest.sha256(bytes("never pushed")) + "\",\"size\":12},\"layers\":[]}");
        assertThatThrownBy(() -> domain.registry.putManifest(APP, new Reference(LATEST, null), DomainFixture.OCI_MANIFEST,
                manifest, List.of(), "alice")).isInstanceOfSatisfying(RegistryException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_BLOB_UNKNOWN));
        assertThat(domain.tagged(APP, "latest")).isNull();
        assertThat(domain.stored(Digest.sha256(manifest))).as("refused manifest bytes are not kept").isFalse();
    }

    @Test
    void tagHistoryRecordsEveryMoveNewestFirstAndRollbackReturnsTheTag() {
        Digest first = domain.pushImage(APP, "latest", "first");
        domain.clock.advance(Duration.ofMinutes(1));
        Digest second = domain.pushImage(APP, "latest", "second");
        assertThat(domain.tagged(APP, "latest")).isEqualTo(second);

        List<TagMove> history = domain.registry.tagHistory(APP, LATEST, 10);
        assertThat(history).extracting(TagMove::previous, TagMove::next)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(first, second),
                        org.assertj.core.groups.Tuple.tuple(null, first));
        assertThat(history.get(0).operation()).isEqualTo("push");

        domain.clock.advance(Duration.ofMinutes(1));
        assertThat(domain.registry.rollback(APP, LATEST, null, 1, "bob")).isEqualTo(first);
        assertThat(domain.tagged(APP, "latest")).isEqualTo(first);
        TagMove rollback = domain.registry.tagHistory(APP, LATEST, 10).get(0);
        assertThat(rollback).extracting(TagMove::previous, TagMove::next, TagMove::actor, TagMove::operation)
                .containsExactly(second, first, "bob", "rollback");

        assertThat(domain.registry.rollback(APP, LATEST, second, 0, "bob")).as("back to a digest of its history").isEqualTo(second);
        Digest stranger = domain.pushImage(APP, "other", "stranger");
        assertThatThrownBy(() -> domain.registry.rollback(APP, LATEST, stranger, 0, "bob"))
                .as("a digest that was never under the tag").isInstanceOf(RegistryException.class);
        assertThatThrownBy(() -> domain.registry.rollback(APP, LATEST, null, 9, "bob"))
                .as("more steps than the history holds").isInstanceOf(RegistryException.class);
        assertThat(domain.tagged(APP, "latest")).isEqualTo(second);
    }

    @Test
    void anImmutableTagIsCreatedOnceAndNeverMovedOrDeletedWhileOtherTagsMove() {
        domain.lifecycle.addImmutableRule("team", "v*", "admin");
        Digest release = domain.pushImage(APP, "v1", "release");
        assertThat(domain.policies.immutableRule(APP, new Tag("v1"))).isEqualTo("v*");
        assertThat(domain.policies.immutableRule(APP, LATEST)).isNull();
        assertThat(domain.policies.immutableRule(new RepositoryName("other/app"), new Tag("v1")))
                .as("rules are per namespace").isNull();

        assertThatThrownBy(() -> domain.pushImage(APP, "v1", "an overwrite")).isInstanceOfSatisfying(RegistryException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DENIED));
        assertThatThrownBy(() -> domain.registry.deleteManifest(APP, new Reference(new Tag("v1"), null), "mallory"))
                .isInstanceOf(RegistryException.class);
        assertThat(domain.tagged(APP, "v1")).isEqualTo(release);
        assertThat(domain.registry.tagHistory(APP, new Tag("v1"), 10)).hasSize(1);

        domain.pushImage(APP, "latest", "one");
        Digest moved = domain.pushImage(APP, "latest", "two");
        assertThat(domain.tagged(APP, "latest")).as("a tag no rule matches moves").isEqualTo(moved);
        assertThat(domain.lifecycle.removeImmutableRule("team", "v*")).isTrue();
        Digest overwritten = domain.pushImage(APP, "v1", "after the rule went");
        assertThat(domain.tagged(APP, "v1")).isEqualTo(overwritten);
    }

    @Test
    void retentionKeepsTheNewestNMatchingTagsAndSparesKeptAndImmutableOnes() {
        for (int i = 1; i <= 5; i++) {
            domain.pushImage(APP, "build-" + i, "build " + i);
            domain.clock.advance(Duration.ofMinutes(1));
        }
        domain.pushImage(APP, "build-pinned", "pinned");
        domain.pushImage(APP, "release", "release");
        domain.lifecycle.addRetentionRule(new RetentionRule("keep2", "team", "build-*", 2, null, List.of("*-pinned"),
                "admin", Instant.now()));

        List<Retention.Removal> planned = domain.retention.run("team", true, "test");
        assertThat(planned).extracting(Retention.Removal::tag).containsExactlyInAnyOrder("build-1", "build-2", "build-3");
        assertThat(domain.registry.tags(APP, null, 20).items()).as("a dry run removes nothing").hasSize(7);

        assertThat(domain.retention.run("team", false, "test")).extracting(Retention.Removal::tag)
                .containsExactlyInAnyOrder("build-1", "build-2", "build-3");
        assertThat(domain.registry.tags(APP, null, 20).items())
                .containsExactlyInAnyOrder("build-4", "build-5", "build-pinned", "release");
        assertThat(domain.registry.tagHistory(APP, new Tag("build-1"), 1).get(0).operation()).isEqualTo("retention");
        assertThat(domain.retention.run("team", false, "test")).as("a second run finds nothing more").isEmpty();
    }

    @Test
    void retentionNeverRemovesAnImmutableTag() {
        domain.lifecycle.addImmutableRule("team", "build-1", "admin");
        for (int i = 1; i <= 3; i++) {
            domain.pushImage(APP, "build-" + i, "build " + i);
            domain.clock.advance(Duration.ofMinutes(1));
        }
        domain.lifecycle.addRetentionRule(new RetentionRule("keep1", "team", "build-*", 1, null, List.of(), "admin",
                Instant.now()));
        assertThat(domain.retention.run("team", false, "test")).extracting(Retention.Removal::tag).containsExactly("build-2");
        assertThat(domain.registry.tags(APP, null, 20).items()).containsExactlyInAnyOrder("build-1", "build-3");
    }

    @Test
    void garbageCollectionDeletesUnreferencedBlobsAfterTheGraceAndKeepsWhatATagReaches() {
        GarbageCollector.Settings settings = new GarbageCollector.Settings(Duration.ofHours(1), Duration.ZERO, true);
        byte[] keptLayer = bytes("kept layer");
        Digest kept = domain.pushImage(APP, "latest", "test", bytes("kept config"), keptLayer);
        Digest dropped = domain.pushImage(APP, "old", "test", bytes("dropped config"), bytes("dropped layer"));
        Digest stray = domain.pushBlob(APP, bytes("uploaded, never referenced"));
        domain.registry.deleteManifest(APP, new Reference(new Tag("old"), null), "test");

        GarbageCollector.Report early = domain.collector().run(settings, false);
        assertThat(early.ran()).isTrue();
        assertThat(early.blobsDeleted()).as("within the grace period").isZero();
        assertThat(domain.stored(stray)).isTrue();

        domain.clock.advance(Duration.ofHours(2));
        GarbageCollector.Report dry = domain.collector().run(settings, true);
        assertThat(dry.blobsDeleted()).as("a dry run counts").isGreaterThanOrEqualTo(4);
        assertThat(domain.stored(stray)).as("a dry run deletes nothing").isTrue();

        GarbageCollector.Report report = domain.collector().run(settings, false);
        assertThat(report.manifestsDeleted()).as("the untagged manifest").isEqualTo(1);
        assertThat(report.blobsDeleted()).as("stray blob, dropped manifest, its config and layer").isEqualTo(4);
        assertThat(domain.stored(stray)).isFalse();
        assertThat(domain.metadata.blobSize(stray)).isEmpty();
        assertThat(domain.stored(dropped)).isFalse();
        assertThat(domain.stored(Digest.sha256(bytes("dropped layer")))).isFalse();

        assertThat(domain.stored(kept)).isTrue();
        assertThat(domain.stored(Digest.sha256(keptLayer))).isTrue();
        assertThat(domain.stored(Digest.sha256(bytes("kept config")))).isTrue();
        assertThat(Digest.sha256(domain.registry.manifest(APP, new Reference(LATEST, null)).bytes())).isEqualTo(kept);
        assertThat(domain.collector().run(settings, false).blobsDeleted()).as("nothing left to collect").isZero();
    }

    @Test
    void aSecondCollectorIsRefusedWhileTheLeaseIsHeld() {
        Digest orphan = domain.orphan("orphan");
        domain.clock.advance(Duration.ofHours(1));
        assertThat(domain.lifecycle.acquireLease("gc", "node-a", Duration.ofMinutes(5))).isTrue();
        GarbageCollector.Settings now = new GarbageCollector.Settings(Duration.ZERO, Duration.ZERO, true);
        assertThat(domain.collector("node-b", Duration.ofMinutes(5)).run(now, false).ran()).isFalse();
        assertThat(domain.stored(orphan)).isTrue();
        domain.lifecycle.releaseLease("gc", "node-a");
        assertThat(domain.collector("node-b", Duration.ofMinutes(5)).run(now, false).blobsDeleted()).isEqualTo(1);
        assertThat(domain.stored(orphan)).isFalse();
    }
}
