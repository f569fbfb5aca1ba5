package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.config.BerthConfig;
import io.berth.metadata.ManifestRecord;
import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.TagChange;
import io.berth.oci.Descriptor;
import io.berth.oci.Digest;
import io.berth.oci.Manifest;
import io.berth.oci.MediaTypes;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.DigestLocks;
import io.berth.registry.Registry;
import io.berth.storage.BlobStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Imports the filesystem storage of a CNCF Distribution registry (docker-registry, registry:2) into Berth's configured
 * stores. Distribution keeps blobs by digest and, per repository, link files naming them:
 *
 * <pre>
 * docker/registry/v2/blobs/sha256/ab/abcd…/data                               the bytes
 * docker/registry/v2/repositories/NAME/_layers/sha256/abcd…/link              a blob of the repository
 * docker/registry/v2/repositories/NAME/_manifests/revisions/sha256/…/link     a manifest of the repository
 * docker/registry/v2/repositories/NAME/_manifests/tags/TAG/current/link       what TAG points at
 * </pre>
 *
 * Every blob is verified against its digest while it is copied. Manifests are parsed to record their references
 * (images before the indexes that list them); Docker schema 1 manifests are skipped with a warning. Each blob is
 * stored, recorded and linked under its digest lock, as a push does, so a running Berth may share the stores.
 * Everything is keyed by digest or name, so a second run only adds what is new.
 */
@Command(name = "import-distribution", mixinStandardHelpOptions = true,
        description = {"Import the storage of a CNCF Distribution registry (docker-registry, registry:2) into this"
                + " Berth's stores: blobs (digests verified), repositories, blob links, manifests and tags. Docker schema 1"
                + " manifests are skipped with a warning. Safe to run again.",
                "Stop the other registry (or make it read-only) first."})
final class ImportDistributionCommand implements Callable<Integer> {
    /** Made on first use: `berth help` builds this command too, and should not load Jackson for it. */
    private static final class Json {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    @Mixin
    CommonOptions options;

    @Parameters(paramLabel = "DIR",
            description = "Distribution's storage root (its rootdirectory, which holds docker/registry/v2)")
    Path dir;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8", description = "Blobs copied at once. Default: 8")
    int parallel;

    private Path v2;
    private MetadataStore metadata;
    private DigestLocks digestLocks;
    private MigrateCommand.BlobCopier copier;
    private TagChange change;
    /** Blobs found missing or corrupt, with why; each is reported once. */
    private final Map<Digest, String> broken = new ConcurrentHashMap<>();
    /** Blobs stored and recorded by this run: other repositories linking them need only the link. */
    private final Set<Digest> stored = ConcurrentHashMap.newKeySet();
    private final AtomicInteger links = new AtomicInteger();
    private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private int schema1;

    /** A repository as Distribution stores it. */
    private record Repository(RepositoryName name, Set<Digest> layers, Set<Digest> manifests, Map<Tag, Digest> tags) {}

    @Override
    public Integer call() throws Exception {
        v2 = locate(dir);
        BerthConfig config = options.load(Map.of());
        Clock clock = Clock.systemUTC();
        change = TagChange.by(LifecycleCommands.actor(), "import");
        long started = System.nanoTime();
        List<Repository> repositories = new ArrayList<>();
        Path root = v2.resolve("repositories");
        if (Files.isDirectory(root)) {
            findRepositories(root, root, repositories);
        }
        try (BlobStore store = Stores.blobs(config); MetadataDatabase database = Stores.database(config, clock)) {
            metadata = database.metadata();
            digestLocks = new DigestLocks(store, metadata);
            copier = new MigrateCommand.BlobCopier(store);
            System.out.println("importing " + v2 + ": " + repositories.size() + " repositories");
            linkLayers(repositories);
            int manifests = 0;
            int tags = 0;
            for (Repository repository : repositories) {
                Set<Digest> imported = importManifests(repository);
                manifests += imported.size();
                tags += importTags(repository, imported);
            }
            System.out.printf(Locale.ROOT, "blobs: %d copied (%s, digests verified), %d already there%n", copier.copied(),
                    MigrateCommand.BlobCopier.size(copier.bytesCopied()), copier.present());
            System.out.printf(Locale.ROOT, "repositories: %d, blob links: %d, manifests: %d, tags: %d%n",
                    repositories.size(), links.get(), manifests, tags);
            if (schema1 > 0) {
                System.out.println("skipped: " + schema1 + " Docker schema 1 manifest(s) (Berth does not serve schema 1)");
            }
        }
        System.out.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - started) / 1e9);
        if (!problems.isEmpty()) {
            System.err.println("berth import-distribution: " + problems.size() + " problem(s); what they name was not imported:");
            problems.forEach(p -> System.err.println("  " + p));
            return 1;
        }
        return 0;
    }

    /** DIR/docker/registry/v2, or DIR itself when it is that directory. */
    private static Path locate(Path dir) {
        for (Path candidate : List.of(dir.resolve("docker/registry/v2"), dir)) {
            if (Files.isDirectory(candidate.resolve("blobs")) || Files.isDirectory(candidate.resolve("repositories"))) {
                return candidate;
            }
        }
        throw new IllegalArgumentException(dir + " holds no Distribution storage (no docker/registry/v2/blobs or"
                + " repositories under it)");
    }

    // ---- reading Distribution's layout

    /** Every directory below root with _layers, _manifests or _uploads is a repository; names nest (a, a/b). */
    private void findRepositories(Path root, Path dir, List<Repository> found) throws IOException {
        boolean isRepository = false;
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.equals("_layers") || name.equals("_manifests") || name.equals("_uploads")) {
                    isRepository = true;
                } else if (!name.startsWith("_") && Files.isDirectory(entry)) {
                    children.add(entry);
                }
            }
        }
        if (isRepository) {
            String name = root.relativize(dir).toString().replace(dir.getFileSystem().getSeparator(), "/");
            if (RepositoryName.isValid(name)) {
                found.add(new Repository(new RepositoryName(name), links(dir.resolve("_layers")),
                        links(dir.resolve("_manifests").resolve("revisions")), tags(dir.resolve("_manifests").resolve("tags"))));
            } else {
                problems.add("repository " + name + ": not a valid repository name");
            }
        }
        children.sort(null);
        for (Path child : children) {
            findRepositories(root, child, found);
        }
    }

    /** Digests named by {@code <dir>/<algorithm>/<hex>/link} files. */
    private Set<Digest> links(Path dir) throws IOException {
        Set<Digest> digests = new LinkedHashSet<>();
        if (!Files.isDirectory(dir)) {
            return digests;
        }
        for (Path algorithm : sorted(dir)) {
            for (Path entry : sorted(algorithm)) {
                Digest digest = readLink(entry.resolve("link"));
                if (digest != null) {
                    digests.add(digest);
                }
            }
        }
        return digests;
    }

    private Map<Tag, Digest> tags(Path dir) throws IOException {
        Map<Tag, Digest> tags = new TreeMap<>(java.util.Comparator.comparing(Tag::value));
        if (!Files.isDirectory(dir)) {
            return tags;
        }
        for (Path entry : sorted(dir)) {
            String name = entry.getFileName().toString();
            Digest digest = readLink(entry.resolve("current").resolve("link"));
            if (digest == null) {
                continue;
            }
            if (Tag.isValid(name)) {
                tags.put(new Tag(name), digest);
            } else {
                problems.add("tag " + name + " in " + dir + ": not a valid tag");
            }
        }
        return tags;
    }

    private Digest readLink(Path link) throws IOException {
        if (!Files.isRegularFile(link)) {
            return null;
        }
        String text = Files.readString(link).trim();
        try {
            return Digest.parse(text);
        } catch (RegistryException e) {
            problems.add(link + ": not a digest: " + text);
            return null;
        }
    }

    private static List<Path> sorted(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        }
        entries.sort(null);
        return entries;
    }

    private Path blobData(Digest digest) {
        return v2.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex())
                .resolve("data");
    }

    // ---- importing

    /** Copies, records and links every repository's layer links, parallel at once. */
    private void linkLayers(List<Repository> repositories) throws InterruptedException {
        try (ExecutorService copying = Executors.newFixedThreadPool(Math.max(1, parallel))) {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (Repository repository : repositories) {
                for (Digest digest : repository.layers()) {
                    futures.add(copying.submit(() -> link(repository.name(), digest)));
                }
            }
            for (Future<Boolean> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    problems.add(e.getCause().toString());
                }
            }
        }
    }

    /**
     * Copies a blob from Distribution unless Berth holds it, records it and links it into repository, under the
     * digest's locks as an upload's commit does. False when the blob is missing or corrupt (reported once).
     */
    private boolean link(RepositoryName repository, Digest digest) throws IOException {
        if (broken.containsKey(digest)) {
            return false;
        }
        Path data = blobData(digest);
        if (!Files.isRegularFile(data)) {
            if (broken.putIfAbsent(digest, "missing") == null) {
                problems.add("blob " + digest + ": missing (" + data + ")");
            }
            return false;
        }
        long size = Files.size(data);
        try {
            boolean linked = digestLocks.call(digest, () -> {
                if (!stored.contains(digest)) {
                    copier.copy(digest, size, () -> Files.newInputStream(data));
                    metadata.recordBlob(digest, size);
                    stored.add(digest);
                }
                return metadata.linkBlob(repository, digest);
            });
            if (!linked) {
                problems.add("blob " + digest + " of " + repository + ": not recorded after copying");
                return false;
            }
        } catch (IOException e) {
            if (broken.putIfAbsent(digest, e.getMessage()) == null) {
                problems.add("blob " + digest + ": " + e.getMessage());
            }
            return false;
        }
        links.incrementAndGet();
        return true;
    }

    /** A manifest read and parsed, with the blobs and child manifests it needs. */
    private record Parsed(Digest digest, byte[] bytes, Manifest manifest, List<Digest> blobs, List<Digest> children) {}

    /** Imports the repository's manifests, each after the manifests it lists; returns the digests imported. */
    private Set<Digest> importManifests(Repository repository) throws IOException {
        RepositoryName name = repository.name();
        List<Parsed> pending = new ArrayList<>();
        for (Digest digest : repository.manifests()) {
            Parsed parsed = parse(name, digest);
            if (parsed != null) {
                pending.add(parsed);
            }
        }
        Set<Digest> imported = new LinkedHashSet<>();
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                Parsed parsed = it.next();
                if (!imported.containsAll(parsed.children())) {
                    continue;
                }
                it.remove();
                progress = true;
                if (putManifest(name, parsed)) {
                    imported.add(parsed.digest());
                }
            }
        }
        for (Parsed parsed : pending) {
            problems.add("manifest " + name + "@" + parsed.digest() + ": lists manifests the repository lacks");
        }
        return imported;
    }

    private Parsed parse(RepositoryName repository, Digest digest) throws IOException {
        String where = "manifest " + repository + "@" + digest;
        Path data = blobData(digest);
        if (!Files.isRegularFile(data)) {
            problems.add(where + ": missing (" + data + ")");
            return null;
        }
        if (Files.size(data) > Registry.MAX_MANIFEST_BYTES) {
            problems.add(where + ": larger than " + Registry.MAX_MANIFEST_BYTES + " bytes");
            return null;
        }
        byte[] bytes = Files.readAllBytes(data);
        if (!digest.matches(digest.newMessageDigest().digest(bytes))) {
            problems.add(where + ": content does not match its digest (corrupt)");
            return null;
        }
        JsonNode root;
        try {
            root = Json.JSON.readTree(bytes);
        } catch (IOException e) {
            problems.add(where + ": not JSON");
            return null;
        }
        JsonNode mediaType = root == null ? null : root.get("mediaType");
        boolean declared = mediaType != null && mediaType.isTextual();
        if ((root != null && root.path("schemaVersion").asInt() == 1) || (declared && MediaTypes.isSchema1(mediaType.textValue()))) {
            System.err.println("warning: skipping " + where + ": Docker schema 1");
            schema1++;
            return null;
        }
        // Distribution stores no media type: without the field, an OCI index lists manifests, else it is an image.
        String contentType = declared ? null : root != null && root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        Manifest manifest;
        try {
            manifest = Manifest.parse(bytes, contentType, digest);
        } catch (RegistryException e) {
            problems.add(where + ": " + e.getMessage());
            return null;
        }
        return new Parsed(digest, bytes, manifest, manifest.references().stream().map(Descriptor::digest).distinct().toList(),
                manifest.children().stream().map(Descriptor::digest).distinct().toList());
    }

    private boolean putManifest(RepositoryName repository, Parsed parsed) throws IOException {
        for (Digest blob : parsed.blobs()) {
            // Distribution links every blob of a pushed manifest; an older one may lack a link the bytes still have.
            if (metadata.linkedBlobSize(repository, blob).isEmpty() && !link(repository, blob)) {
                problems.add("manifest " + repository + "@" + parsed.digest() + ": references blob " + blob
                        + ", which is missing");
                return false;
            }
        }
        Manifest manifest = parsed.manifest();
        ManifestRecord record = new ManifestRecord(repository, parsed.digest(), manifest.mediaType(), parsed.bytes().length,
                manifest.subject() == null ? null : manifest.subject().digest(), manifest.effectiveArtifactType(),
                manifest.annotations());
        try {
            digestLocks.run(parsed.digest(), () -> {
                if (!stored.contains(parsed.digest())) {
                    copier.copy(parsed.digest(), parsed.bytes().length, () -> new java.io.ByteArrayInputStream(parsed.bytes()));
                    metadata.recordBlob(parsed.digest(), parsed.bytes().length);
                    stored.add(parsed.digest());
                }
                metadata.putManifest(record, parsed.blobs(), parsed.children(), List.of(), change);
            });
            return true;
        } catch (RegistryException e) {
            problems.add("manifest " + repository + "@" + parsed.digest() + ": " + e.getMessage());
            return false;
        }
    }

    private int importTags(Repository repository, Set<Digest> imported) {
        int count = 0;
        for (Map.Entry<Tag, Digest> tag : repository.tags().entrySet()) {
            String where = "tag " + repository.name() + ":" + tag.getKey().value();
            if (!repository.manifests().contains(tag.getValue())) {
                problems.add(where + ": points at " + tag.getValue() + ", which the repository lacks");
                continue;
            }
            if (!imported.contains(tag.getValue())) {
                System.err.println("warning: skipping " + where + ": its manifest " + tag.getValue() + " was skipped");
                continue;
            }
            try {
                if (metadata.moveTag(repository.name(), tag.getKey(), tag.getValue(), change)) {
                    count++;
                }
            } catch (RegistryException e) {
                problems.add(where + ": " + e.getMessage());
            }
        }
        return count;
    }
}
