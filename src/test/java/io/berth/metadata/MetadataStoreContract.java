package io.berth.metadata;

import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.model.TagChange;
import io.berth.model.UploadSession;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every MetadataStore must do. Each implementation's test extends this class and opens a fresh store. */
@Timeout(60)
public abstract class MetadataStoreContract extends MetadataStoreFixture {
    private final RepositoryName repo = new RepositoryName("team/app-" + UUID.randomUUID().toString().substring(0, 8));

    private ManifestRecord manifest(String content, Digest subject, String artifactType) {
        return new ManifestRecord(repo, digest(content), "application/vnd.oci.image.manifest.v1+json", 100, subject,
                artifactType, Map.of("k", "v"));
    }

    private Digest pushBlob(RepositoryName repository, String content) {
        Digest d = digest(content);
        store.recordBlob(d, content.length());
        assertThat(store.linkBlob(repository, d)).isTrue();
        return d;
    }

    @Test
    void blobIsReachableOnlyThroughRepositoriesItWasLinkedTo() {
        Digest d = pushBlob(repo, "layer");
        assertThat(store.linkedBlobSize(repo, d)).contains(5L);
        assertThat(store.linkedBlobSize(new RepositoryName("other/repo"), d)).isEmpty();
        assertThat(store.blobSize(d)).contains(5L);
        assertThat(store.repositoriesHolding(d, 10)).containsExactly(repo);
    }

    @Test
    void linkOfABlobBerthLacksFails() {
        assertThat(store.linkBlob(repo, digest("missing"))).isFalse();
    }

    @Test
    void blobRecordsArePagedInDigestOrder() {
        List<Digest> digests = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            digests.add(pushBlob(repo, "paged " + i));
        }
        List<Digest> walked = new java.util.ArrayList<>();
        Digest after = null;
        for (List<MetadataStore.BlobRecord> page = store.blobRecords(null, 2); !page.isEmpty();
             page = store.blobRecords(after, 2)) {
            assertThat(page.size()).isLessThanOrEqualTo(2);
            page.forEach(r -> walked.add(r.digest()));
            after = page.getLast().digest();
        }
        assertThat(walked).containsAll(digests).isSortedAccordingTo(java.util.Comparator.comparing(Digest::toString));
        assertThat(store.blobRecords(null, 100)).contains(new MetadataStore.BlobRecord(digests.get(0), "paged 0".length()));
    }

    @Test
    void forgottenBlobLosesItsRecordAndEveryLinkAndCanBePushedAgain() {
        RepositoryName other = new RepositoryName("other/repo");
        Digest d = pushBlob(repo, "lost layer");
        assertThat(store.linkBlob(other, d)).isTrue();
        assertThat(store.forgetBlob(d)).isTrue();
        assertThat(store.blobSize(d)).isEmpty();
        assertThat(store.linkedBlobSize(repo, d)).isEmpty();
        assertThat(store.linkedBlobSize(other, d)).isEmpty();
        assertThat(store.repositoriesHolding(d, 10)).isEmpty();
        assertThat(store.forgetBlob(d)).isFalse();
        pushBlob(repo, "lost layer");
        assertThat(store.linkedBlobSize(repo, d)).contains((long) "lost layer".length());
    }

    @Test
    void manifestWithAMissingBlobIsRefusedAndNothingIsStored() {
        Digest config = pushBlob(repo, "config");
        ManifestRecord m = manifest("m1", null, null);
        assertThatThrownBy(() -> store.putManifest(m, List.of(config, digest("not pushed")), List.of(), List.of(new Tag("v1"))))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_BLOB_UNKNOWN));
        assertThat(store.manifest(repo, m.digest())).isEmpty();
        assertThat(store.manifestByTag(repo, new Tag("v1"))).isEmpty();
    }

    @Test
    void tagPointsAtTheLatestManifestPushedWithIt() {
        Digest config = pushBlob(repo, "config");
        ManifestRecord first = manifest("first", null, null);
        ManifestRecord second = manifest("second", null, null);
        store.putManifest(first, List.of(config), List.of(), List.of(new Tag("latest")));
        store.putManifest(second, List.of(config), List.of(), List.of(new Tag("latest")));
        assertThat(store.manifestByTag(repo, new Tag("latest")).orElseThrow().digest()).isEqualTo(second.digest());
        assertThat(store.manifest(repo, first.digest())).isPresent();
    }

    @Test
    void deletingAManifestRemovesEveryTagOnIt() {
        Digest config = pushBlob(repo, "config");
        ManifestRecord m = manifest("m", null, null);
        store.putManifest(m, List.of(config), List.of(), List.of(new Tag("a"), new Tag("b")));
        assertThat(store.deleteManifest(repo, m.digest())).isTrue();
        assertThat(store.tags(repo, null, 10).items()).isEmpty();
        assertThat(store.deleteManifest(repo, m.digest())).isFalse();
    }

    @Test
    void manifestReferencedByAnIndexCannotBeDeleted() {
        Digest config = pushBlob(repo, "config");
        ManifestRecord child = manifest("child", null, null);
        store.putManifest(child, List.of(config), List.of(), List.of());
        ManifestRecord index = new ManifestRecord(repo, digest("index"), "application/vnd.oci.image.index.v1+json", 50,
                null, null, Map.of());
        store.putManifest(index, List.of(), List.of(child.digest()), List.of(new Tag("multi")));
        assertThatThrownBy(() -> store.deleteManifest(repo, child.digest()))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.STILL_REFERENCED);
                    assertThat(e.code().base()).isEqualTo(ErrorCode.DENIED);
                    assertThat(e.status()).isEqualTo(405);
                });
        assertThat(store.deleteManifest(repo, index.digest())).isTrue();
        assertThat(store.deleteManifest(repo, child.digest())).isTrue();
    }

    @Test
    void blobReferencedByAManifestCannotBeUnlinked() {
        Digest config = pushBlob(repo, "config");
        store.putManifest(manifest("m", null, null), List.of(config), List.of(), List.of());
        assertThatThrownBy(() -> store.unlinkBlob(repo, config)).isInstanceOf(RegistryException.class);
        Digest loose = pushBlob(repo, "loose");
        assertThat(store.unlinkBlob(repo, loose)).isTrue();
        assertThat(store.unlinkBlob(repo, loose)).isFalse();
    }

    @Test
    void tagsArePagedInByteOrder() {
        Digest config = pushBlob(repo, "config");
        ManifestRecord m = manifest("m", null, null);
        List<Tag> tags = new ArrayList<>();
        for (String t : List.of("b", "A", "a", "_z", "1.0", "B")) {
            tags.add(new Tag(t));
        }
        store.putManifest(m, List.of(config), List.of(), tags);
        Page<String> first = store.tags(repo, null, 4);
        assertThat(first.items()).containsExactly("1.0", "A", "B", "_z");
        assertThat(first.more()).isTrue();
        Page<String> second = store.tags(repo, "_z", 4);
        assertThat(second.items()).containsExactly("a", "b");
        assertThat(second.more()).isFalse();
    }

    @Test
    void tagsVersionChangesWithEveryTagChangeAndOnlyThen() {
        assertThat(store.tagsVersion(repo)).isEmpty();
        Digest config = pushBlob(repo, "config");
        List<Long> seen = new ArrayList<>();
        seen.add(store.tagsVersion(repo).orElseThrow());
        ManifestRecord m = manifest("m", null, null);
        store.putManifest(m, List.of(config), List.of(), List.of());
        assertThat(store.tagsVersion(repo).orElseThrow()).as("a manifest without tags").isEqualTo(seen.get(0));
        store.putManifest(m, List.of(config), List.of(), List.of(new Tag("a"), new Tag("b")));
        seen.add(store.tagsVersion(repo).orElseThrow());
        store.putManifest(m, List.of(config), List.of(), List.of(new Tag("a")));
        assertThat(store.tagsVersion(repo).orElseThrow()).as("a tag pushed again where it was").isEqualTo(seen.get(1));
        ManifestRecord other = manifest("other", null, null);
        store.putManifest(other, List.of(config), List.of(), List.of(new Tag("a")));
        seen.add(store.tagsVersion(repo).orElseThrow());
        assertThat(store.moveTag(repo, new Tag("a"), m.digest(), TagChange.by("test", "rollback"))).isTrue();
        seen.add(store.tagsVersion(repo).orElseThrow());
        assertThat(store.deleteTag(repo, new Tag("a"))).isTrue();
        seen.add(store.tagsVersion(repo).orElseThrow());
        assertThat(store.deleteTag(repo, new Tag("a"))).isFalse();
        assertThat(store.tagsVersion(repo).orElseThrow()).isEqualTo(seen.get(seen.size() - 1));
        assertThat(store.deleteManifest(repo, m.digest())).isTrue();
        seen.add(store.tagsVersion(repo).orElseThrow());
        assertThat(seen).as("every change gives a version never seen before").doesNotHaveDuplicates();
        assertThat(store.tags(repo, null, 10).items()).isEmpty();

        store.putManifest(other, List.of(config), List.of(), List.of(new Tag("c")));
        long beforeDelete = store.tagsVersion(repo).orElseThrow();
        assertThat(store.deleteRepository(repo)).isTrue();
        assertThat(store.tagsVersion(repo)).isEmpty();
        pushBlob(repo, "config");
        assertThat(store.tagsVersion(repo).orElseThrow()).as("a repository made anew").isNotEqualTo(beforeDelete);
    }

    @Test
    void referrersAreTheManifestsWhoseSubjectIsTheDigest() {
        Digest config = pushBlob(repo, "config");
        ManifestRecord image = manifest("image", null, null);
        store.putManifest(image, List.of(config), List.of(), List.of(new Tag("v1")));
        ManifestRecord sbom = manifest("sbom", image.digest(), "application/spdx+json");
        ManifestRecord sig = manifest("sig", image.digest(), "application/vnd.dev.cosign");
        store.putManifest(sbom, List.of(config), List.of(), List.of());
        store.putManifest(sig, List.of(config), List.of(), List.of());
        assertThat(store.referrers(repo, image.digest())).extracting(ManifestRecord::artifactType)
                .containsExactlyInAnyOrder("application/spdx+json", "application/vnd.dev.cosign");
        assertThat(store.referrers(repo, image.digest()).get(0).annotations()).containsEntry("k", "v");
        assertThat(store.referrers(repo, digest("nothing"))).isEmpty();
    }

    @Test
    void deletingARepositoryRemovesItsTagsManifestsAndBlobLinks() {
        Digest config = pushBlob(repo, "config");
        ManifestRecord m = manifest("m", null, null);
        store.putManifest(m, List.of(config), List.of(), List.of(new Tag("v1")));
        assertThat(store.deleteRepository(repo)).isTrue();
        assertThat(store.repositoryExists(repo)).isFalse();
        assertThat(store.manifest(repo, m.digest())).isEmpty();
        assertThat(store.linkedBlobSize(repo, config)).isEmpty();
        assertThat(store.blobSize(config)).isPresent();
        assertThat(store.deleteRepository(repo)).isFalse();
    }

    @Test
    void catalogListsRepositoriesInByteOrderWithPaging() {
        String prefix = "cat" + UUID.randomUUID().toString().substring(0, 6);
        for (String n : List.of("c", "a", "b")) {
            pushBlob(new RepositoryName(prefix + "/" + n), "x");
        }
        Page<String> page = store.repositories(prefix + "/", 2);
        assertThat(page.items()).containsExactly(prefix + "/a", prefix + "/b");
        assertThat(page.more()).isTrue();
    }

    @Test
    void uploadOffsetMovesOnlyFromTheExpectedValue() {
        Instant now = Instant.ofEpochMilli(1_000_000);
        UploadSession s = new UploadSession(UUID.randomUUID().toString(), repo, "sha256", 0, now, now);
        store.createUpload(s);
        assertThat(store.advanceUpload(s.id(), 0, 10, now)).isTrue();
        assertThat(store.advanceUpload(s.id(), 0, 20, now)).isFalse();
        assertThat(store.upload(s.id()).orElseThrow().offset()).isEqualTo(10);
        assertThat(store.uploadsIdleSince(now.plusSeconds(1), 100)).extracting(UploadSession::id).contains(s.id());
        store.deleteUpload(s.id());
        assertThat(store.upload(s.id())).isEmpty();
    }

    @Test
    void oneWriterAtATimeClaimsAnUploadUntilItsClaimEndsOrExpires() {
        Instant now = Instant.ofEpochMilli(2_000_000);
        UploadSession s = new UploadSession(UUID.randomUUID().toString(), repo, "sha256", 0, now, now);
        store.createUpload(s);
        assertThat(store.claimUpload(s.id(), 0, "a", now.plusSeconds(30), now, null)).isTrue();
        assertThat(store.claimUpload(s.id(), 0, "b", now.plusSeconds(30), now, null)).isFalse();
        assertThat(store.claimUpload(s.id(), 0, "a", now.plusSeconds(60), now, null)).isTrue();
        assertThat(store.claimUpload(s.id(), 5, "a", now.plusSeconds(60), now, null)).isFalse();
        assertThat(store.advanceClaimedUpload(s.id(), 0, 10, "b", now)).isFalse();
        assertThat(store.advanceClaimedUpload(s.id(), 0, 10, "a", now)).isTrue();
        assertThat(store.claimUpload(s.id(), 10, "b", now.plusSeconds(30), now, null)).isTrue();
        assertThat(store.claimUpload(s.id(), 10, "c", now.plusSeconds(90), now.plusSeconds(31), null)).isTrue();
        store.releaseUpload(s.id(), "b");
        assertThat(store.claimUpload(s.id(), 10, "d", now.plusSeconds(90), now.plusSeconds(32), null)).isFalse();
        assertThat(store.claimUpload(s.id(), 10, "d", now.plusSeconds(90), now.plusSeconds(32), "c")).isTrue();
    }

    @Test
    void concurrentPushesOfTheSameTagEndWithTheTagOnOneOfThem() throws Exception {
        Digest config = pushBlob(repo, "config");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Digest> pushed = new ArrayList<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                ManifestRecord m = manifest("race-" + i, null, null);
                pushed.add(m.digest());
                futures.add(pool.submit(() -> store.putManifest(m, List.of(config), List.of(), List.of(new Tag("race")))));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(pushed).contains(store.manifestByTag(repo, new Tag("race")).orElseThrow().digest());
    }

    /** Runs both at once (as two nodes would), each ignoring the refusal it may get when the other wins. */
    private static void race(ExecutorService pool, Callable<?> first, Callable<?> second) throws Exception {
        Races.<Object>race(pool, first::call, second::call);
    }

    @Test
    void unlinkRacingAManifestPushNeverLeavesTheManifestWithoutItsBlob() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 25; i++) {
                Digest blob = pushBlob(repo, "unlink-race-" + i);
                ManifestRecord m = manifest("unlink-race-manifest-" + i, null, null);
                Tag tag = new Tag("t" + i);
                race(pool, () -> {
                    store.putManifest(m, List.of(blob), List.of(), List.of(tag));
                    return null;
                }, () -> store.unlinkBlob(repo, blob));
                if (store.manifest(repo, m.digest()).isPresent()) {
                    assertThat(store.linkedBlobSize(repo, blob)).as("blob of a stored manifest").isPresent();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manifestDeleteRacingAnIndexPushNeverLeavesTheIndexWithoutItsChild() throws Exception {
        Digest config = pushBlob(repo, "config");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 25; i++) {
                ManifestRecord child = manifest("child-race-" + i, null, null);
                store.putManifest(child, List.of(config), List.of(), List.of());
                ManifestRecord index = new ManifestRecord(repo, digest("index-race-" + i),
                        "application/vnd.oci.image.index.v1+json", 50, null, null, Map.of());
                Tag tag = new Tag("i" + i);
                race(pool, () -> {
                    store.putManifest(index, List.of(), List.of(child.digest()), List.of(tag));
                    return null;
                }, () -> store.deleteManifest(repo, child.digest()));
                if (store.manifest(repo, index.digest()).isPresent()) {
                    assertThat(store.manifest(repo, child.digest())).as("child of a stored index").isPresent();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manifestDeleteRacingATagPushNeverLeavesATagOnAMissingManifest() throws Exception {
        Digest config = pushBlob(repo, "config");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 25; i++) {
                ManifestRecord m = manifest("tag-race-" + i, null, null);
                store.putManifest(m, List.of(config), List.of(), List.of());
                Tag tag = new Tag("tag-race-" + i);
                race(pool, () -> {
                    store.putManifest(m, List.of(config), List.of(), List.of(tag));
                    return null;
                }, () -> store.deleteManifest(repo, m.digest()));
                if (store.tags(repo, null, 1000).items().contains(tag.toString())) {
                    assertThat(store.manifestByTag(repo, tag)).as("manifest of tag " + tag).isPresent();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void repositoryDeleteRacingAPushLeavesNoManifestOutsideARepository() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 25; i++) {
                RepositoryName target = new RepositoryName(repo + "-del-" + i);
                Digest blob = pushBlob(target, "repo-race-" + i);
                ManifestRecord m = new ManifestRecord(target, digest("repo-race-manifest-" + i),
                        "application/vnd.oci.image.manifest.v1+json", 100, null, null, Map.of());
                race(pool, () -> {
                    store.putManifest(m, List.of(blob), List.of(), List.of(new Tag("v1")));
                    return null;
                }, () -> store.deleteRepository(target));
                if (store.manifest(target, m.digest()).isPresent()) {
                    assertThat(store.repositoryExists(target)).as("repository of a stored manifest").isTrue();
                    assertThat(store.linkedBlobSize(target, blob)).as("blob of a stored manifest").isPresent();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
