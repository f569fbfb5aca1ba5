package io.berth.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Listings.SearchHit;
import io.berth.model.Listings.TagSummary;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listing queries every MetadataStore answers alike: pages, counts and sizes. */
@Timeout(60)
public abstract class ListingQueriesContract extends MetadataStoreFixture {
    private static final String IMAGE = "application/vnd.oci.image.manifest.v1+json";
    private static final String INDEX = "application/vnd.oci.image.index.v1+json";

    /** A blob of size bytes (its content names it), linked into repository. */
    private Digest blob(RepositoryName repository, String name, long size) {
        Digest d = digest(name);
        store.recordBlob(d, size);
        assertThat(store.linkBlob(repository, d)).isTrue();
        return d;
    }

    private Digest manifest(RepositoryName repository, String name, String mediaType, long size, List<Digest> blobs,
                            List<Digest> children, String... tags) {
        Digest d = digest(name);
        store.putManifest(new ManifestRecord(repository, d, mediaType, size, null, null, Map.of()), blobs, children,
                List.of(tags).stream().map(Tag::new).toList());
        return d;
    }

    private List<String> all(String namespace, int pageSize) {
        return allPages((String last, Integer n) -> store.repositories(namespace, last, n), pageSize);
    }

    @Test
    void aNamespacesRepositoriesArePagedInByteOrderAndNoOtherNamespaceSlipsIn() {
        List<String> team = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            team.add(String.format("team/r%02d", i));
        }
        List<String> others = List.of("team-b/c", "teamx/a", "alpine", "library/busybox", "zeta/z", "team0/x");
        for (String name : team.reversed()) {
            blob(new RepositoryName(name), "layer", 5);
        }
        for (String name : others) {
            blob(new RepositoryName(name), "layer", 5);
        }
        assertThat(all("team", 10)).containsExactlyElementsOf(team);
        assertThat(all("team", 25)).containsExactlyElementsOf(team);
        Page<String> first = store.repositories("team", null, 10);
        assertThat(first.more()).isTrue();
        assertThat(store.repositories("team", "team/r24", 10)).isEqualTo(new Page<>(List.of(), false));
        assertThat(all("library", 1)).containsExactly("alpine", "library/busybox");
        assertThat(all("teamx", 3)).containsExactly("teamx/a");
        assertThat(all("nobody", 3)).isEmpty();
    }

    @Test
    void summariesCountTagsManifestsAndEachBlobOnce() {
        RepositoryName app = new RepositoryName("team/app");
        Digest config = blob(app, "config", 10);
        Digest layer = blob(app, "layer-1", 100);
        Digest layer2 = blob(app, "layer-2", 50);
        manifest(app, "m1", IMAGE, 300, List.of(config, layer), List.of(), "v1", "stable");
        manifest(app, "m2", IMAGE, 200, List.of(config, layer2), List.of(), "v2");
        RepositoryName bare = new RepositoryName("team/bare");
        blob(bare, "layer-1", 100);

        List<String> names = new ArrayList<>(List.of("team/app", "team/missing", "team/bare"));
        for (int i = 0; i < 60; i++) {
            String name = String.format("bulk/r%02d", i);
            blob(new RepositoryName(name), "bulk-" + i, i);
            names.add(name);
        }
        List<RepositorySummary> summaries = store.repositorySummaries(names);
        assertThat(summaries).hasSize(62);
        assertThat(summaries.stream().map(RepositorySummary::name).toList())
                .containsExactlyElementsOf(names.stream().filter(n -> !n.equals("team/missing")).toList());
        RepositorySummary summary = summaries.get(0);
        assertThat(summary.tagCount()).isEqualTo(3);
        assertThat(summary.manifestCount()).isEqualTo(2);
        assertThat(summary.sizeBytes()).isEqualTo(10 + 100 + 50 + 300 + 200);
        assertThat(summary.lastPushAt()).isNotNull();
        RepositorySummary empty = summaries.get(1);
        assertThat(empty).isEqualTo(new RepositorySummary("team/bare", 0, 0, 100, null));
        assertThat(summaries.get(61).sizeBytes()).isEqualTo(59);
        assertThat(store.repositorySummaries(List.of())).isEmpty();
    }

    @Test
    void tagsArePagedWithTheSizeOfWhatTheyPullAnIndexCountingEachBlobOnce() {
        RepositoryName multi = new RepositoryName("team/multi");
        Digest config = blob(multi, "config", 10);
        Digest amdLayer = blob(multi, "amd-layer", 100);
        Digest armLayer = blob(multi, "arm-layer", 120);
        Digest shared = blob(multi, "shared-layer", 1000);
        Digest amd = manifest(multi, "amd", IMAGE, 300, List.of(config, amdLayer, shared), List.of(), "amd");
        Digest arm = manifest(multi, "arm", IMAGE, 310, List.of(config, armLayer, shared), List.of());
        Digest index = manifest(multi, "index", INDEX, 400, List.of(), List.of(amd, arm), "latest", "v1");

        Page<TagSummary> first = store.tagSummaries(multi, null, 2);
        assertThat(first.more()).isTrue();
        assertThat(first.items()).extracting(TagSummary::tag).containsExactly("amd", "latest");
        TagSummary amdTag = first.items().get(0);
        assertThat(amdTag.digest()).isEqualTo(amd);
        assertThat(amdTag.mediaType()).isEqualTo(IMAGE);
        assertThat(amdTag.sizeBytes()).isEqualTo(300 + 10 + 100 + 1000);
        assertThat(amdTag.pushedAt()).isNotNull();
        TagSummary latest = first.items().get(1);
        assertThat(latest.digest()).isEqualTo(index);
        assertThat(latest.mediaType()).isEqualTo(INDEX);
        assertThat(latest.sizeBytes()).isEqualTo(400 + 300 + 310 + 10 + 100 + 120 + 1000);
        Page<TagSummary> second = store.tagSummaries(multi, "latest", 2);
        assertThat(second.more()).isFalse();
        assertThat(second.items()).extracting(TagSummary::tag).containsExactly("v1");
        assertThat(second.items().get(0).sizeBytes()).isEqualTo(latest.sizeBytes());
        assertThat(store.tagSummaries(multi, "v1", 2)).isEqualTo(new Page<>(List.of(), false));

        assertThat(store.contentSizes(multi, List.of(arm, index, digest("nothing"))))
                .isEqualTo(Map.of(arm, 310L + 10 + 120 + 1000, index, latest.sizeBytes()));
        assertThat(store.tagsOf(multi, index, 10)).containsExactly("latest", "v1");
        assertThat(store.tagsOf(multi, index, 1)).containsExactly("latest");
        assertThat(store.tagsOf(multi, arm, 10)).isEmpty();
    }

    @Test
    void sizesOfMoreManifestsThanOneBatchAreAllAnswered() {
        RepositoryName many = new RepositoryName("team/many");
        List<Digest> manifests = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < JdbcListings.BATCH + 13; i++) {
            Digest layer = blob(many, "layer-" + i, i + 1);
            String tag = String.format("t%03d", i);
            manifests.add(manifest(many, "manifest-" + i, IMAGE, 1000, List.of(layer), List.of(), tag));
            tags.add(tag);
        }
        Map<Digest, Long> sizes = store.contentSizes(many, manifests);
        assertThat(sizes).hasSize(manifests.size());
        for (int i = 0; i < manifests.size(); i++) {
            assertThat(sizes.get(manifests.get(i))).isEqualTo(1000L + i + 1);
        }
        Page<TagSummary> page = store.tagSummaries(many, null, 1000);
        assertThat(page.more()).isFalse();
        assertThat(page.items()).extracting(TagSummary::tag).containsExactlyElementsOf(tags);
        assertThat(page.items().get(JdbcListings.BATCH + 12).sizeBytes()).isEqualTo(1000L + JdbcListings.BATCH + 13);
    }

    @Test
    void theIndexesThatIncludeAManifestArePagedByDigestInItsRepositoryOnly() {
        RepositoryName multi = new RepositoryName("team/parents");
        Digest layer = blob(multi, "layer", 10);
        Digest image = manifest(multi, "image", IMAGE, 100, List.of(layer), List.of());
        Digest other = manifest(multi, "other-image", IMAGE, 100, List.of(layer), List.of(), "other");
        List<Digest> indexes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            indexes.add(manifest(multi, "index-" + i, INDEX, 200, List.of(), List.of(image, other), "v" + i));
        }
        manifest(multi, "index-of-other", INDEX, 200, List.of(), List.of(other));
        RepositoryName elsewhere = new RepositoryName("team/elsewhere");
        blob(elsewhere, "layer", 10);
        manifest(elsewhere, "image", IMAGE, 100, List.of(layer), List.of());
        manifest(elsewhere, "index-elsewhere", INDEX, 200, List.of(), List.of(image));
        List<Digest> sorted = indexes.stream().sorted(java.util.Comparator.comparing(Digest::toString)).toList();

        Page<Digest> first = store.indexesOf(multi, image, null, 3);
        assertThat(first).isEqualTo(new Page<>(sorted.subList(0, 3), true));
        assertThat(store.indexesOf(multi, image, sorted.get(2), 3)).isEqualTo(new Page<>(sorted.subList(3, 5), false));
        assertThat(store.indexesOf(multi, image, null, 10).items()).containsExactlyElementsOf(sorted);
        assertThat(store.indexesOf(multi, other, null, 10).items()).hasSize(6);
        assertThat(store.indexesOf(multi, sorted.get(0), null, 10)).isEqualTo(new Page<>(List.of(), false));
        assertThat(store.indexesOf(elsewhere, image, null, 10).items()).containsExactly(digest("index-elsewhere"));
    }

    @Test
    void untaggedManifestsArePagedByDigestWithTheirSubjectAndAnIndexThatIncludesThem() {
        RepositoryName repo = new RepositoryName("team/untagged");
        Digest layer = blob(repo, "layer", 10);
        Digest tagged = manifest(repo, "tagged", IMAGE, 100, List.of(layer), List.of(), "v1", "v2");
        Digest child = manifest(repo, "child", IMAGE, 101, List.of(layer), List.of());
        Digest orphan = manifest(repo, "orphan", IMAGE, 102, List.of(layer), List.of());
        Digest index = manifest(repo, "index", INDEX, 200, List.of(), List.of(child), "multi");
        Digest referrer = digest("referrer");
        store.putManifest(new ManifestRecord(repo, referrer, IMAGE, 103, tagged, "application/spdx+json", Map.of()),
                List.of(layer), List.of(), List.of());
        List<Digest> expected = java.util.stream.Stream.of(child, orphan, referrer)
                .sorted(java.util.Comparator.comparing(Digest::toString)).toList();

        Page<io.berth.model.Listings.UntaggedManifest> all = store.untaggedManifests(repo, null, 10);
        assertThat(all.more()).isFalse();
        assertThat(all.items()).extracting(io.berth.model.Listings.UntaggedManifest::digest)
                .containsExactlyElementsOf(expected);
        var byDigest = new java.util.HashMap<Digest, io.berth.model.Listings.UntaggedManifest>();
        all.items().forEach(m -> byDigest.put(m.digest(), m));
        assertThat(byDigest.get(child).parentIndex()).isEqualTo(index);
        assertThat(byDigest.get(child).size()).isEqualTo(101);
        assertThat(byDigest.get(child).pushedAt()).isNotNull();
        assertThat(byDigest.get(orphan).parentIndex()).isNull();
        assertThat(byDigest.get(orphan).subject()).isNull();
        assertThat(byDigest.get(referrer).subject()).isEqualTo(tagged);
        assertThat(byDigest.get(referrer).artifactType()).isEqualTo("application/spdx+json");
        assertThat(byDigest.get(referrer).mediaType()).isEqualTo(IMAGE);

        Page<io.berth.model.Listings.UntaggedManifest> first = store.untaggedManifests(repo, null, 2);
        assertThat(first.more()).isTrue();
        assertThat(first.items()).extracting(io.berth.model.Listings.UntaggedManifest::digest)
                .containsExactlyElementsOf(expected.subList(0, 2));
        Page<io.berth.model.Listings.UntaggedManifest> second = store.untaggedManifests(repo, expected.get(1), 2);
        assertThat(second.more()).isFalse();
        assertThat(second.items()).extracting(io.berth.model.Listings.UntaggedManifest::digest)
                .containsExactly(expected.get(2));
        assertThat(store.untaggedManifests(new RepositoryName("team/none"), null, 10))
                .isEqualTo(new Page<>(List.of(), false));
    }

    @Test
    void pullTimesRecordedInABatchShowOnTagsAndRepositoriesAndOnlyALaterTimeReplacesOne() {
        RepositoryName repo = new RepositoryName("team/pulled");
        Digest layer = blob(repo, "layer", 10);
        Digest first = manifest(repo, "first", IMAGE, 100, List.of(layer), List.of(), "a");
        Digest second = manifest(repo, "second", IMAGE, 100, List.of(layer), List.of(), "b");
        RepositoryName other = new RepositoryName("team/never");
        blob(other, "layer", 10);
        manifest(other, "other", IMAGE, 100, List.of(layer), List.of(), "c");
        assertThat(store.tagSummaries(repo, null, 10).items()).allMatch(t -> t.lastPullAt() == null);

        store.recordPulls(List.of(new io.berth.model.Listings.LastPull(repo, first, 5_000),
                new io.berth.model.Listings.LastPull(repo, second, 7_000),
                new io.berth.model.Listings.LastPull(repo, digest("gone"), 9_000),
                new io.berth.model.Listings.LastPull(new RepositoryName("team/gone"), first, 9_000)));
        List<TagSummary> tags = store.tagSummaries(repo, null, 10).items();
        assertThat(tags.get(0).lastPullAt()).isEqualTo(java.time.Instant.ofEpochMilli(5_000));
        assertThat(tags.get(1).lastPullAt()).isEqualTo(java.time.Instant.ofEpochMilli(7_000));
        List<RepositorySummary> summaries = store.repositorySummaries(List.of("team/pulled", "team/never"));
        // The repository's time is its latest pull, even of a manifest it no longer holds.
        assertThat(summaries.get(0).lastPullAt()).isEqualTo(java.time.Instant.ofEpochMilli(9_000));
        assertThat(summaries.get(1).lastPullAt()).isNull();

        // Another node flushing an earlier pull later changes nothing.
        store.recordPulls(List.of(new io.berth.model.Listings.LastPull(repo, first, 1_000)));
        assertThat(store.tagSummaries(repo, null, 1).items().get(0).lastPullAt())
                .isEqualTo(java.time.Instant.ofEpochMilli(5_000));
        store.recordPulls(List.of(new io.berth.model.Listings.LastPull(repo, first, 11_000)));
        assertThat(store.tagSummaries(repo, null, 1).items().get(0).lastPullAt())
                .isEqualTo(java.time.Instant.ofEpochMilli(11_000));
        assertThat(store.repositorySummaries(List.of("team/pulled")).get(0).lastPullAt())
                .isEqualTo(java.time.Instant.ofEpochMilli(11_000));
    }

    private static <T> List<T> allPages(java.util.function.BiFunction<T, Integer, Page<T>> read, int pageSize) {
        List<T> all = new ArrayList<>();
        T last = null;
        for (int pages = 0; pages < 100; pages++) {
            Page<T> page = read.apply(last, pageSize);
            assertThat(page.items().size()).isLessThanOrEqualTo(pageSize);
            all.addAll(page.items());
            if (!page.more()) {
                return all;
            }
            last = page.items().get(page.items().size() - 1);
        }
        throw new AssertionError("no last page");
    }

    private List<String> tagHits(String prefix, int pageSize) {
        return allPages((SearchHit last, Integer n) -> store.tagsStartingWith(prefix, last == null ? null : last.tag(),
                last == null ? null : last.repository(), n), pageSize).stream()
                .map(hit -> hit.tag() + "@" + hit.repository()).toList();
    }

    @Test
    void tagsAreFoundByNamePrefixInTagThenRepositoryOrderAcrossPages() {
        Digest one = null;
        for (String repo : List.of("b/app", "a/app", "c/other")) {
            RepositoryName r = new RepositoryName(repo);
            one = manifest(r, "m-" + repo, IMAGE, 10, List.of(blob(r, "l-" + repo, 5)), List.of(),
                    "v1.2", "v1.2.3", "v1_2", "v10", "latest", "V1.2");
        }
        assertThat(tagHits("v1.2", 2)).containsExactly("v1.2@a/app", "v1.2@b/app", "v1.2@c/other",
                "v1.2.3@a/app", "v1.2.3@b/app", "v1.2.3@c/other");
        assertThat(tagHits("v1", 4)).hasSize(12).doesNotContain("V1.2@a/app", "latest@a/app");
        assertThat(tagHits("v1_", 1)).containsExactly("v1_2@a/app", "v1_2@b/app", "v1_2@c/other");
        assertThat(tagHits("V", 5)).containsExactly("V1.2@a/app", "V1.2@b/app", "V1.2@c/other");
        assertThat(tagHits("nope", 5)).isEmpty();
        Page<SearchHit> first = store.tagsStartingWith("latest", null, null, 1);
        assertThat(first.items()).containsExactly(new SearchHit("a/app", "latest", digest("m-a/app")));
        assertThat(first.more()).isTrue();
        assertThat(one).isEqualTo(digest("m-c/other"));
        // A cursor below the prefix does not widen the range.
        assertThat(store.tagsStartingWith("v10", "latest", "a/app", 10).items()).extracting(SearchHit::tag)
                .containsOnly("v10");
    }

    @Test
    void manifestsAreFoundByDigestPrefixInDigestThenRepositoryOrder() {
        RepositoryName a = new RepositoryName("a/app");
        RepositoryName b = new RepositoryName("b/app");
        List<Digest> digests = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            digests.add(manifest(a, "m" + i, IMAGE, 10, List.of(), List.of()));
        }
        manifest(b, "m0", IMAGE, 10, List.of(), List.of(), "shared");
        Digest target = digest("m0");
        String prefix = target.toString().substring(0, "sha256:".length() + 6);
        List<SearchHit> hits = allPages((SearchHit last, Integer n) -> store.manifestsStartingWith(prefix,
                last == null ? null : last.digest().toString(), last == null ? null : last.repository(), n), 1);
        List<SearchHit> expected = new ArrayList<>();
        for (Digest d : digests) {
            if (d.toString().startsWith(prefix)) {
                expected.add(new SearchHit("a/app", null, d));
            }
        }
        expected.add(1, new SearchHit("b/app", null, target));
        assertThat(hits).containsExactlyElementsOf(expected);
        // A one-character prefix pages through every manifest in digest order.
        String hex = "sha256:" + target.toString().charAt(7);
        List<SearchHit> wide = allPages((SearchHit last, Integer n) -> store.manifestsStartingWith(hex,
                last == null ? null : last.digest().toString(), last == null ? null : last.repository(), n), 3);
        assertThat(wide).isNotEmpty().allMatch(hit -> hit.digest().toString().startsWith(hex));
        assertThat(wide).extracting(hit -> hit.digest().toString()).isSorted();
        assertThat(store.manifestsStartingWith("sha256:zz", null, null, 10).items()).isEmpty();
    }
}
