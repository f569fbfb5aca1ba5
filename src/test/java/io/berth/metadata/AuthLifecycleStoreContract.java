package io.berth.metadata;

import io.berth.model.ManifestRecord;
import io.berth.model.TagChange;
import io.berth.model.TagMove;
import io.berth.model.UploadSession;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.model.AuthRecords.AuditEntry;
import io.berth.model.AuthRecords.AuditQuery;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.Role;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.model.AuthRecords.User;
import io.berth.metadata.LifecycleStore.Link;
import io.berth.oci.Digest;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The check-then-act steps of the auth and lifecycle stores when two nodes write to one database at once: each test
 * opens two stores (two connection pools, as two Berth processes have) on the same fresh database and races them a
 * bounded number of rounds. Each implementation's test extends this class.
 */
@Timeout(120)
public abstract class AuthLifecycleStoreContract {
    private static final int ROUNDS = 40;
    /** Every link and manifest these tests create is older than this: collectable as soon as nothing holds it. */
    private static final Instant FUTURE = Instant.parse("2999-01-01T00:00:00Z");

    private final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final RepositoryName repo = new RepositoryName("team/app-" + UUID.randomUUID().toString().substring(0, 8));
    private MetadataDatabase nodeA;
    private MetadataDatabase nodeB;
    private ExecutorService pool;

    /** A fresh database on every call; each get() opens it anew (a node), with its own connection pool. */
    protected abstract Supplier<MetadataDatabase> sharedDatabase(Clock clock) throws Exception;

    @BeforeEach
    void openNodes() throws Exception {
        Supplier<MetadataDatabase> database = sharedDatabase(clock);
        nodeA = database.get();
        nodeB = database.get();
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void closeNodes() {
        pool.shutdownNow();
        nodeA.close();
        nodeB.close();
    }

    protected MetadataDatabase nodeA() {
        return nodeA;
    }

    protected MetadataDatabase nodeB() {
        return nodeB;
    }

    protected RepositoryName repository() {
        return repo;
    }

    /** A clock the test moves; the stores stamp rows and leases with it. */
    private static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** Runs both at once, as two nodes would; both results in order. A refusal (RegistryException) counts as null. */
    private <T> List<T> race(Callable<T> first, Callable<T> second) throws Exception {
        return Races.race(pool, first, second);
    }

    private static Digest digest(String content) {
        return MetadataStoreFixture.digest(content);
    }

    private ManifestRecord manifest(String content) {
        return new ManifestRecord(repo, digest(content), "application/vnd.oci.image.manifest.v1+json", 100, null, null,
                Map.of());
    }

    private Digest pushBlob(MetadataStore store, RepositoryName repository, String content) {
        Digest d = digest(content);
        store.recordBlob(d, content.length());
        assertThat(store.linkBlob(repository, d)).isTrue();
        return d;
    }

    // ---- auth

    @Test
    void aNamespaceCreatedOnTwoNodesAtOnceIsCreatedByOne() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            String name = "ns" + i;
            List<Boolean> created = race(
                    () -> nodeA.auth().createNamespace(new Namespace(name, false, "a", clock.instant())),
                    () -> nodeB.auth().createNamespace(new Namespace(name, true, "b", clock.instant())));
            assertThat(created).as("round " + i).containsExactlyInAnyOrder(true, false);
            String creator = created.get(0) ? "a" : "b";
            assertThat(nodeA.auth().namespace(name).orElseThrow().createdBy()).isEqualTo(creator);
        }
    }

    @Test
    void aUserCreatedOnTwoNodesAtOnceIsCreatedByOne() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            String name = "user" + i;
            List<Boolean> created = race(
                    () -> nodeA.auth().createUser(new User(name, "hash-a", false, false, clock.instant())),
                    () -> nodeB.auth().createUser(new User(name, "hash-b", true, false, clock.instant())));
            assertThat(created).as("round " + i).containsExactlyInAnyOrder(true, false);
            String hash = created.get(0) ? "hash-a" : "hash-b";
            assertThat(nodeA.auth().user(name).orElseThrow().passwordHash()).isEqualTo(hash);
        }
        assertThat(nodeB.auth().countUsers()).isEqualTo(ROUNDS);
    }

    @Test
    void anImportRacingAUserCreatedOnTheOtherNodeWritesAllOfItOrNothing() throws Exception {
        nodeA.auth().createUser(new User("known", "hash-old", false, false, clock.instant()));
        String knownHash = "hash-old";
        for (int i = 0; i < ROUNDS; i++) {
            String contested = "contested" + i;
            List<User> created = new ArrayList<>();
            for (int j = 0; j < 5; j++) {
                created.add(new User("imported" + i + "-" + j, "hash-import", false, false, clock.instant()));
            }
            created.add(new User(contested, "hash-import", false, false, clock.instant()));
            List<AuditEntry> audit = created.stream().map(u -> new AuditEntry("import-" + u.name(), clock.instant(),
                    "cli", "user.import", u.name(), "cli", null)).toList();
            String newHash = "hash-new" + i;
            List<Boolean> done = race(
                    () -> nodeA.auth().importUsers(created, Map.of("known", newHash), clock.instant(), audit),
                    () -> nodeB.auth().createUser(new User(contested, "hash-b", false, false, clock.instant())));
            assertThat(done).as("round " + i).containsExactlyInAnyOrder(true, false);
            boolean imported = done.get(0);
            for (User u : created) {
                String expected = imported ? "hash-import" : u.name().equals(contested) ? "hash-b" : null;
                assertThat(nodeB.auth().user(u.name()).map(User::passwordHash).orElse(null)).as(u.name()).isEqualTo(expected);
            }
            knownHash = imported ? newHash : knownHash;
            assertThat(nodeB.auth().user("known").orElseThrow().passwordHash()).isEqualTo(knownHash);
            String first = created.get(0).name();
            assertThat(nodeB.auth().auditLog(10_000)).filteredOn(e -> first.equals(e.target())).hasSize(imported ? 1 : 0);
        }
    }

    @Test
    void loginsOfOnePrincipalOnTwoNodesAtOnceFoldIntoOneRowAMinuteThatCountsThemAll() throws Exception {
        Instant minute = Instant.parse("2030-01-01T00:05:00Z");
        for (int i = 0; i < ROUNDS; i++) {
            Instant at = minute.plusMillis(i * 1000L);
            race(() -> {
                nodeA.auth().auditFolded("ci-user", "login", "10.0.0.1", at);
                return true;
            }, () -> {
                nodeB.auth().auditFolded("ci-user", "login", "10.0.0.1", at);
                return true;
            });
        }
        nodeA.auth().auditFolded("ci-user", "login", "10.0.0.2", minute);
        nodeA.auth().auditFolded("ci-user", "login", "10.0.0.1", minute.plusSeconds(60));
        List<AuditEntry> rows = nodeB.auth().auditLog(100).stream().filter(e -> e.actor().equals("ci-user")).toList();
        assertThat(rows).extracting(AuditEntry::source, AuditEntry::count, AuditEntry::at).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("10.0.0.1", 2 * ROUNDS, minute),
                org.assertj.core.groups.Tuple.tuple("10.0.0.2", 1, minute),
                org.assertj.core.groups.Tuple.tuple("10.0.0.1", 1, minute.plusSeconds(60)));
    }

    @Test
    void theAuditLogIsFilteredAndPagedByTimeThenIdWithoutLosingEntriesThatShareAMillisecond() {
        Instant base = Instant.parse("2030-02-01T10:00:00Z");
        List<String> targets = List.of("team/app:v1", "team/app@sha256:1", "team/app2:v1", "team/a_b:v1");
        for (int i = 0; i < 30; i++) {
            // Three entries per millisecond: the keyset must order and continue within one.
            nodeA.auth().audit(new AuditEntry(String.format("id%03d", i), base.plusMillis(i / 3),
                    i % 2 == 0 ? "alice" : "bob", i % 5 == 0 ? "tag.delete" : "tag.push", targets.get(i % 4), "10.0.0.9",
                    null));
        }
        AuditQuery all = new AuditQuery(null, null, null, base, null, null, null);
        List<String> paged = new java.util.ArrayList<>();
        AuditQuery page = all;
        for (int pages = 0; pages < 20; pages++) {
            List<AuditEntry> entries = nodeB.auth().auditLog(page, 7);
            entries.forEach(e -> paged.add(e.id()));
            if (entries.size() < 7) {
                break;
            }
            AuditEntry last = entries.get(entries.size() - 1);
            page = new AuditQuery(null, null, null, base, null, last.at(), last.id());
        }
        List<String> newestFirst = new java.util.ArrayList<>();
        for (int i = 29; i >= 0; i--) {
            newestFirst.add(String.format("id%03d", i));
        }
        assertThat(paged).isEqualTo(newestFirst);
        assertThat(nodeB.auth().auditLog(new AuditQuery("alice", "tag.delete", null, base, null, null, null), 100))
                .extracting(AuditEntry::id).containsExactly("id020", "id010", "id000");
        // A target prefix: the repository's tags and digests, and other names that start the same; '_' is no wildcard.
        assertThat(nodeB.auth().auditLog(new AuditQuery(null, null, "team/app", base, null, null, null), 100))
                .allMatch(e -> e.target().startsWith("team/app")).hasSize(23);
        assertThat(nodeB.auth().auditLog(new AuditQuery(null, null, "team/a_b", base, null, null, null), 100))
                .hasSize(7);
        assertThat(nodeB.auth().auditLog(new AuditQuery(null, null, "team/aXb", base, null, null, null), 100))
                .isEmpty();
        assertThat(nodeB.auth().auditLog(new AuditQuery(null, null, null, base.plusMillis(3), base.plusMillis(5),
                null, null), 100)).extracting(AuditEntry::id)
                .containsExactly("id014", "id013", "id012", "id011", "id010", "id009");
    }

    @Test
    void twoOwnersRemovingOrDemotingEachOtherAtOnceLeaveTheNamespaceOneOwner() throws Exception {
        AuthStore a = nodeA.auth();
        AuthStore b = nodeB.auth();
        for (int i = 0; i < ROUNDS; i++) {
            String namespace = "pair" + i;
            a.createNamespace(new Namespace(namespace, false, "admin", clock.instant()));
            a.grant(namespace, "ann", Role.OWNER);
            a.grant(namespace, "ben", Role.OWNER);
            boolean demote = i % 2 == 1;
            List<Boolean> done = race(() -> {
                if (demote) {
                    a.grant(namespace, "ben", Role.READER);
                    return true;
                }
                return a.revoke(namespace, "ben");
            }, () -> {
                if (demote) {
                    b.grant(namespace, "ann", Role.MAINTAINER);
                    return true;
                }
                return b.revoke(namespace, "ann");
            });
            assertThat(done).as("round " + i).containsExactlyInAnyOrder(true, null);
            assertThat(a.members(namespace).stream().filter(m -> m.role() == Role.OWNER).count()).as("round " + i)
                    .isEqualTo(1);
        }
    }

    @Test
    void aRobotTokensLastUseNeverMovesBack() throws Exception {
        Instant created = clock.instant();
        nodeA.auth().createRobot(new RobotToken("0123456789abcdef", "ci", "alice", null, List.of("team/*"),
                Set.of("pull"), "hash", created, created.plus(Duration.ofDays(1)), null, null));
        Instant later = created.plusSeconds(20);
        Instant earlier = created.plusSeconds(10);
        // Two nodes authenticate the token; the one that saw the earlier request writes last.
        nodeA.auth().touchRobot("0123456789abcdef", later);
        nodeB.auth().touchRobot("0123456789abcdef", earlier);
        assertThat(nodeA.auth().robot("0123456789abcdef").orElseThrow().lastUsedAt()).isEqualTo(later);
        for (int i = 1; i <= ROUNDS; i++) {
            Instant a = later.plusSeconds(2L * i);
            Instant b = later.plusSeconds(2L * i - 1);
            race(() -> {
                nodeA.auth().touchRobot("0123456789abcdef", a);
                return null;
            }, () -> {
                nodeB.auth().touchRobot("0123456789abcdef", b);
                return null;
            });
            assertThat(nodeB.auth().robot("0123456789abcdef").orElseThrow().lastUsedAt()).as("round " + i).isEqualTo(a);
        }
    }

    // ---- the collection lease

    @Test
    void aLeaseIsHeldByOneOwnerUntilItExpiresOrIsReleased() {
        LifecycleStore a = nodeA.lifecycle();
        LifecycleStore b = nodeB.lifecycle();
        assertThat(a.acquireLease("gc", "a", Duration.ofMinutes(1))).isTrue();
        assertThat(b.acquireLease("gc", "b", Duration.ofMinutes(1))).isFalse();
        clock.advance(Duration.ofSeconds(50));
        assertThat(a.acquireLease("gc", "a", Duration.ofMinutes(1))).as("renewal").isTrue();
        clock.advance(Duration.ofSeconds(50));
        assertThat(b.acquireLease("gc", "b", Duration.ofMinutes(1))).as("renewed lease still held").isFalse();
        b.releaseLease("gc", "b");
        assertThat(b.acquireLease("gc", "b", Duration.ofMinutes(1))).as("release by another owner is a no-op").isFalse();
        clock.advance(Duration.ofMinutes(2));
        assertThat(b.acquireLease("gc", "b", Duration.ofMinutes(1))).as("expired lease taken over").isTrue();
        assertThat(a.acquireLease("gc", "a", Duration.ofMinutes(1))).isFalse();
        b.releaseLease("gc", "b");
        assertThat(a.acquireLease("gc", "a", Duration.ofMinutes(1))).as("released lease").isTrue();
    }

    @Test
    void twoNodesNeverHoldTheCollectionLeaseAtOnce() throws Exception {
        LifecycleStore a = nodeA.lifecycle();
        LifecycleStore b = nodeB.lifecycle();
        for (int i = 0; i < ROUNDS; i++) {
            // Even rounds race for a lease nobody holds; odd rounds for one whose holder let it expire.
            String name = "gc" + (i / 2);
            List<Boolean> held = race(() -> a.acquireLease(name, "a", Duration.ofMinutes(1)),
                    () -> b.acquireLease(name, "b", Duration.ofMinutes(1)));
            assertThat(held).as("round " + i).containsExactlyInAnyOrder(true, false);
            clock.advance(Duration.ofMinutes(2));
        }
    }

    // ---- garbage collection against pushes on another node

    @Test
    void collectingALinkRacingAManifestPushNeverLeavesTheManifestWithoutItsBlob() throws Exception {
        LifecycleStore gc = nodeB.lifecycle();
        for (int i = 0; i < ROUNDS; i++) {
            Digest blob = pushBlob(nodeA.metadata(), repo, "link-race-" + i);
            ManifestRecord m = manifest("link-race-manifest-" + i);
            Tag tag = new Tag("t" + i);
            race(() -> {
                nodeA.metadata().putManifest(m, List.of(blob), List.of(), List.of(tag));
                return null;
            }, () -> gc.unlinkIfUnreferenced(new Link(repo, blob), FUTURE));
            if (nodeA.metadata().manifest(repo, m.digest()).isPresent()) {
                assertThat(nodeA.metadata().linkedBlobSize(repo, blob)).as("round " + i + ": blob of a stored manifest").isPresent();
            }
        }
    }

    @Test
    void aNewTagPushedOnTwoNodesAtOnceIsRecordedAsCreatedOnceAndMovedOnce() throws Exception {
        Digest config = pushBlob(nodeA.metadata(), repo, "config");
        for (int i = 0; i < ROUNDS; i++) {
            ManifestRecord first = manifest("new-tag-a-" + i);
            ManifestRecord second = manifest("new-tag-b-" + i);
            Tag tag = new Tag("new-" + i);
            race(() -> {
                nodeA.metadata().putManifest(first, List.of(config), List.of(), List.of(tag), TagChange.by("a", "push"));
                return null;
            }, () -> {
                nodeB.metadata().putManifest(second, List.of(config), List.of(), List.of(tag), TagChange.by("b", "push"));
                return null;
            });
            List<TagMove> history = nodeA.metadata().tagHistory(repo, tag, 10);
            assertThat(history).as("round %d: %s", i, history).hasSize(2);
            // Both moves carry the same time (the test's clock stands still): tell them apart by content.
            assertThat(history.stream().filter(move -> move.previous() == null))
                    .as("round %d: one push created the tag: %s", i, history).hasSize(1);
            TagMove created = history.stream().filter(move -> move.previous() == null).findFirst().orElseThrow();
            TagMove moved = history.stream().filter(move -> move != created).findFirst().orElseThrow();
            assertThat(moved.previous()).as("round %d: the second push moved the first one's tag: %s", i, history)
                    .isEqualTo(created.next());
            assertThat(nodeA.metadata().manifestByTag(repo, tag).orElseThrow().digest()).isEqualTo(moved.next());
        }
    }

    @Test
    void aChangeMadeOnlyIfTheTagStillPointsWhereItDidIsRefusedAfterAMove() {
        Digest config = pushBlob(nodeA.metadata(), repo, "config");
        ManifestRecord v1 = manifest("expected-v1");
        ManifestRecord v2 = manifest("expected-v2");
        Tag tag = new Tag("prod");
        nodeA.metadata().putManifest(v1, List.of(config), List.of(), List.of(tag));
        nodeA.metadata().putManifest(v2, List.of(config), List.of(), List.of());
        TagChange rollback = TagChange.by("ops", "rollback").ifAt(v2.digest());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> nodeB.metadata().moveTag(repo, tag, v1.digest(), rollback))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(409));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> nodeB.metadata().deleteTag(repo, tag,
                        TagChange.by("retention", "retention").ifAt(v2.digest())))
                .isInstanceOf(RegistryException.class);
        assertThat(nodeA.metadata().manifestByTag(repo, tag).orElseThrow().digest()).as("nothing changed").isEqualTo(v1.digest());
        assertThat(nodeB.metadata().moveTag(repo, tag, v2.digest(), TagChange.by("ops", "rollback").ifAt(v1.digest()))).isTrue();
        assertThat(nodeA.metadata().manifestByTag(repo, tag).orElseThrow().digest()).isEqualTo(v2.digest());
    }

    @Test
    void collectingAManifestRacingATagMoveNeverLeavesATagOnAMissingManifest() throws Exception {
        LifecycleStore gc = nodeB.lifecycle();
        Digest config = pushBlob(nodeA.metadata(), repo, "config");
        for (int i = 0; i < ROUNDS; i++) {
            ManifestRecord m = manifest("tag-race-" + i);
            nodeA.metadata().putManifest(m, List.of(config), List.of(), List.of());
            Tag tag = new Tag("tag-race-" + i);
            race(() -> nodeA.metadata().moveTag(repo, tag, m.digest(), TagChange.by("ci", "push")),
                    () -> gc.deleteManifestIfCollectable(new Link(repo, m.digest()), FUTURE, FUTURE));
            if (nodeA.metadata().tags(repo, null, 1000).items().contains(tag.value())) {
                assertThat(nodeA.metadata().manifestByTag(repo, tag)).as("round " + i + ": manifest of tag " + tag).isPresent();
            }
        }
    }

    @Test
    void collectingAManifestRacingARepushNeverLeavesATagOnAMissingManifest() throws Exception {
        LifecycleStore gc = nodeB.lifecycle();
        Digest config = pushBlob(nodeA.metadata(), repo, "config");
        for (int i = 0; i < ROUNDS; i++) {
            ManifestRecord m = manifest("repush-race-" + i);
            nodeA.metadata().putManifest(m, List.of(config), List.of(), List.of());
            Tag tag = new Tag("repush-race-" + i);
            race(() -> {
                nodeA.metadata().putManifest(m, List.of(config), List.of(), List.of(tag));
                return null;
            }, () -> gc.deleteManifestIfCollectable(new Link(repo, m.digest()), FUTURE, FUTURE));
            if (nodeA.metadata().tags(repo, null, 1000).items().contains(tag.value())) {
                assertThat(nodeA.metadata().manifestByTag(repo, tag)).as("round " + i + ": manifest of tag " + tag).isPresent();
            }
        }
    }

    @Test
    void collectingAManifestRacingAnIndexPushNeverLeavesTheIndexWithoutItsChild() throws Exception {
        LifecycleStore gc = nodeB.lifecycle();
        Digest config = pushBlob(nodeA.metadata(), repo, "config");
        for (int i = 0; i < ROUNDS; i++) {
            ManifestRecord child = manifest("child-race-" + i);
            nodeA.metadata().putManifest(child, List.of(config), List.of(), List.of());
            ManifestRecord index = new ManifestRecord(repo, digest("index-race-" + i),
                    "application/vnd.oci.image.index.v1+json", 50, null, null, Map.of());
            Tag tag = new Tag("i" + i);
            race(() -> {
                nodeA.metadata().putManifest(index, List.of(), List.of(child.digest()), List.of(tag));
                return null;
            }, () -> gc.deleteManifestIfCollectable(new Link(repo, child.digest()), FUTURE, FUTURE));
            if (nodeA.metadata().manifest(repo, index.digest()).isPresent()) {
                assertThat(nodeA.metadata().manifest(repo, child.digest())).as("round " + i + ": child of a stored index").isPresent();
            }
        }
    }

    @Test
    void forgettingAnOrphanRacingAMountNeverLeavesALinkToAForgottenBlob() throws Exception {
        LifecycleStore gc = nodeB.lifecycle();
        for (int i = 0; i < ROUNDS; i++) {
            Digest orphan = digest("orphan-race-" + i);
            nodeA.metadata().recordBlob(orphan, 12);
            race(() -> nodeA.metadata().linkBlob(repo, orphan), () -> gc.forgetIfOrphan(orphan));
            if (nodeA.metadata().linkedBlobSize(repo, orphan).isPresent()) {
                assertThat(nodeA.metadata().blobSize(orphan)).as("round " + i + ": record of a linked blob").isPresent();
            }
        }
    }

    // ---- quotas

    @Test
    void uploadsRacingIntoOneNamespaceNeverTakeItPastItsQuota() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            String namespace = "quota-race-" + i;
            nodeA.lifecycle().setQuota(namespace, 100L);
            Digest first = digest("quota-race-a-" + i);
            Digest second = digest("quota-race-b-" + i);
            RepositoryName one = new RepositoryName(namespace + "/one");
            RepositoryName two = new RepositoryName(namespace + "/two");
            String round = String.valueOf(i);
            List<Boolean> committed = race(() -> {
                nodeA.metadata().commitUpload("upload-a-" + round, one, first, 60);
                return true;
            }, () -> {
                nodeB.metadata().commitUpload("upload-b-" + round, two, second, 60);
                return true;
            });
            assertThat(committed).as("round " + i).containsExactlyInAnyOrder(true, null);
            assertThat(nodeA.lifecycle().usage(namespace)).as("round " + i).isEqualTo(60);
            Digest refused = committed.get(0) == null ? first : second;
            assertThat(nodeA.metadata().repositoriesHolding(refused, 10)).as("round " + i + ": refused blob linked").isEmpty();
            assertThat(nodeA.metadata().blobSize(refused)).as("round " + i + ": refused blob recorded").isEmpty();
        }
    }

    @Test
    void mountsAndManifestsRacingIntoOneNamespaceNeverTakeItPastItsQuota() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            String namespace = "quota-mix-" + i;
            nodeA.lifecycle().setQuota(namespace, 150L);
            RepositoryName app = new RepositoryName(namespace + "/app");
            Digest config = digest("quota-mix-config-" + i);
            nodeA.metadata().commitUpload("upload-" + i, app, config, 40);
            Digest elsewhere = pushBlob(nodeA.metadata(), new RepositoryName("elsewhere/app"), "quota-mix-mounted-" + i + "-".repeat(59));
            ManifestRecord m = new ManifestRecord(app, digest("quota-mix-manifest-" + i),
                    "application/vnd.oci.image.manifest.v1+json", 100, null, null, Map.of());
            List<Boolean> done = race(() -> nodeB.metadata().linkBlob(new RepositoryName(namespace + "/other"), elsewhere), () -> {
                nodeA.metadata().putManifest(m, List.of(config), List.of(), List.of(new Tag("t")));
                return true;
            });
            assertThat(done).as("round " + i).containsExactlyInAnyOrder(true, null);
            assertThat(nodeA.lifecycle().usage(namespace)).as("round " + i).isLessThanOrEqualTo(150);
        }
    }

    @Test
    void bytesTheNamespaceAlreadyCountsAreNeverRefusedEvenOverQuota() {
        RepositoryName app = new RepositoryName("counted/app");
        Digest layer = digest("counted-layer");
        nodeA.metadata().commitUpload("u1", app, layer, 500);
        ManifestRecord m = new ManifestRecord(app, digest("counted-manifest"), "application/vnd.oci.image.manifest.v1+json",
                100, null, null, Map.of());
        nodeA.metadata().putManifest(m, List.of(layer), List.of(), List.of(new Tag("v1")));
        nodeA.lifecycle().setQuota("counted", 10L);
        long usage = nodeA.lifecycle().usage("counted");
        assertThat(usage).isEqualTo(600);

        nodeB.metadata().putManifest(m, List.of(layer), List.of(), List.of(new Tag("v1-again")));
        assertThat(nodeB.metadata().moveTag(app, new Tag("prod"), m.digest(), TagChange.by("ops", "promote"))).isTrue();
        nodeB.metadata().commitUpload("u2", new RepositoryName("counted/other"), layer, 500);
        assertThat(nodeB.metadata().linkBlob(new RepositoryName("counted/third"), layer)).isTrue();
        assertThat(nodeA.lifecycle().usage("counted")).isEqualTo(usage);

        ManifestRecord fresh = new ManifestRecord(app, digest("counted-new-manifest"),
                "application/vnd.oci.image.manifest.v1+json", 100, null, null, Map.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> nodeB.metadata().putManifest(fresh, List.of(layer), List.of(), List.of(new Tag("v2"))))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.code()).isEqualTo(io.berth.oci.ErrorCode.DENIED);
                    assertThat((Map<Object, Object>) e.detail()).containsEntry("usedBytes", usage).containsEntry("quotaBytes", 10L)
                            .containsEntry("requestedBytes", 100L);
                });
        assertThat(nodeA.metadata().manifest(app, fresh.digest())).isEmpty();
        assertThat(nodeA.metadata().tags(app, null, 100).items()).doesNotContain("v2");
    }

    // ---- dry runs

    @Test
    void aRehearsalSeesItsOwnDeletionsAndChangesNothing() {
        Digest layer = pushBlob(nodeA.metadata(), repo, "rehearsed-layer");
        ManifestRecord m = manifest("rehearsed-manifest");
        nodeA.metadata().putManifest(m, List.of(layer), List.of(), List.of());
        LifecycleStore store = nodeB.lifecycle();
        List<String> steps = store.rehearse(s -> {
            List<String> done = new ArrayList<>();
            for (Link candidate : s.collectableManifests(FUTURE, FUTURE, 100)) {
                if (s.deleteManifestIfCollectable(candidate, FUTURE, FUTURE)) {
                    done.add("manifest " + candidate.digest());
                }
            }
            for (Link link : s.unreferencedLinks(FUTURE, 100)) {
                if (s.unlinkIfUnreferenced(link, FUTURE)) {
                    done.add("link " + link.digest());
                }
            }
            for (LifecycleStore.Orphan orphan : s.orphans(100)) {
                if (s.forgetIfOrphan(orphan.digest())) {
                    done.add("blob " + orphan.digest());
                }
            }
            return done;
        });
        assertThat(steps).containsExactlyInAnyOrder("manifest " + m.digest(), "link " + layer, "blob " + layer,
                "blob " + m.digest());
        assertThat(nodeA.metadata().manifest(repo, m.digest())).as("rolled back").isPresent();
        assertThat(nodeA.metadata().linkedBlobSize(repo, layer)).as("rolled back").isPresent();
        assertThat(store.orphans(100)).as("rolled back").isEmpty();
    }

    // ---- the database

    /**
     * A copy (berth migrate's) into a fresh database carries the rows of all three stores, leaves uploads behind,
     * and a second copy finds nothing to write.
     */
    @Test
    void copyingTheTablesCarriesEveryStoresRowsAndASecondCopyWritesNothing() throws Exception {
        Tag tag = new Tag("v1");
        Digest layer = pushBlob(nodeA.metadata(), repo, "copied-layer");
        ManifestRecord m = manifest("copied-manifest");
        nodeA.metadata().putManifest(m, List.of(layer), List.of(), List.of(tag), TagChange.by("ci", "push"));
        nodeA.metadata().createUpload(new UploadSession("copied-upload", repo, "sha256", 0, clock.instant(),
                clock.instant()));
        nodeA.auth().createUser(new User("copied-user", "hash", false, false, clock.instant()));
        nodeA.lifecycle().setQuota("team", 1_000_000L);
        assertThat(nodeA.uploadsInProgress()).isEqualTo(1);

        try (MetadataDatabase target = sharedDatabase(clock).get()) {
            List<MetadataDatabase.TableCopy> first = new ArrayList<>();
            nodeA.copyTablesInto(target, first::add);
            assertThat(first).extracting(MetadataDatabase.TableCopy::table).contains("repositories", "blobs", "tags",
                    "tag_history", "users", "quotas").doesNotContain("uploads", "leases");
            assertThat(first).filteredOn(c -> c.table().equals("tags"))
                    .containsExactly(new MetadataDatabase.TableCopy("tags", 1, 1));
            assertThat(target.metadata().manifestByTag(repo, tag).orElseThrow().digest()).isEqualTo(m.digest());
            assertThat(target.metadata().linkedBlobSize(repo, layer)).contains(12L);
            assertThat(target.metadata().tagHistory(repo, tag, 10)).extracting(TagMove::actor).containsExactly("ci");
            assertThat(target.auth().user("copied-user")).isPresent();
            assertThat(target.lifecycle().quota("team")).contains(1_000_000L);
            assertThat(target.metadata().upload("copied-upload")).isEmpty();
            assertThat(target.uploadsInProgress()).isZero();

            List<MetadataDatabase.TableCopy> second = new ArrayList<>();
            nodeA.copyTablesInto(target, second::add);
            assertThat(second).extracting(MetadataDatabase.TableCopy::rows)
                    .containsExactlyElementsOf(first.stream().map(MetadataDatabase.TableCopy::rows).toList());
            assertThat(second).extracting(MetadataDatabase.TableCopy::written).containsOnly(0L);
        }
    }
}
