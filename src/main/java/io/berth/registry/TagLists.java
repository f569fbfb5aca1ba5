package io.berth.registry;

import io.berth.metadata.MetadataStore;
import io.berth.model.Page;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Tag lists, paged from a repository's whole list kept in memory by its tag-set version. Every request reads the
 * version from the metadata store (one indexed lookup), so a tag moved through any node or process is seen by the
 * next request anywhere: a kept list is used only while its version is current, never on trust.
 */
final class TagLists {
    /** Repositories with more tags than this are paged by the metadata store on every request. */
    static final int MAX_TAGS_KEPT = 50_000;
    /** All kept lists together hold at most this many tags (about 60 bytes each). */
    private static final int MAX_TAGS_TOTAL = 200_000;

    private record Kept(long version, List<String> tags) {}

    private final MetadataStore metadata;
    /** Least recently used first. Guarded by this. */
    private final LinkedHashMap<RepositoryName, Kept> kept = new LinkedHashMap<>(64, 0.75f, true);
    /** Guarded by this. */
    private long total;

    TagLists(MetadataStore metadata) {
        this.metadata = metadata;
    }

    Page<String> page(RepositoryName repository, String last, int limit) {
        OptionalLong version = metadata.tagsVersion(repository);
        if (version.isEmpty()) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository name not known to registry",
                    Map.of("name", repository.value()));
        }
        if (last != null && !isAscii(last)) {
            // Java orders strings by UTF-16 units, the stores by bytes; they agree on ASCII, the tag alphabet.
            return metadata.tags(repository, last, limit);
        }
        List<String> tags = get(repository, version.getAsLong());
        if (tags == null) {
            // Read after the version, so at least as new as it: the worst a concurrent change can do is make
            // this entry one that the next request finds outdated.
            Page<String> all = metadata.tags(repository, null, MAX_TAGS_KEPT);
            if (all.more()) {
                return metadata.tags(repository, last, limit);
            }
            tags = List.copyOf(all.items());
            put(repository, version.getAsLong(), tags);
        }
        int from = 0;
        if (last != null) {
            int found = Collections.binarySearch(tags, last);
            from = found >= 0 ? found + 1 : -found - 1;
        }
        int to = (int) Math.min((long) from + limit, tags.size());
        return new Page<>(tags.subList(from, to), to < tags.size());
    }

    private synchronized List<String> get(RepositoryName repository, long version) {
        Kept entry = kept.get(repository);
        return entry != null && entry.version() == version ? entry.tags() : null;
    }

    private synchronized void put(RepositoryName repository, long version, List<String> tags) {
        Kept previous = kept.put(repository, new Kept(version, tags));
        if (previous != null) {
            total -= previous.tags().size();
        }
        total += tags.size();
        var it = kept.entrySet().iterator();
        while (total > MAX_TAGS_TOTAL && it.hasNext()) {
            total -= it.next().getValue().tags().size();
            it.remove();
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }
}
