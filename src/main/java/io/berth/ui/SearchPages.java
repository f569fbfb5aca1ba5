package io.berth.ui;

import io.berth.http.Exchange;
import io.berth.model.Listings.SearchHit;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import io.berth.registry.Listing;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The home page's search beyond repository names: tags whose name starts with the text, and manifests whose digest
 * starts with it ("sha256:ab12cd…", or a bare hex prefix of at least 6 characters), each only in repositories the
 * visitor may pull, keyset-paged ({@code tl=tag@repository}, {@code dl=digest@repository}).
 */
final class SearchPages {
    /** Hits of each kind per page. */
    static final int HITS = 20;
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-f]{6,128}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{6,128}");

    private final Listing listing;

    SearchPages(Listing listing) {
        this.listing = listing;
    }

    /** The search's parameters of home.jte for query: tagHits, tagNext, digestHits, digestNext (null: none). */
    void addTo(Map<String, Object> params, Exchange ex, String query, Predicate<RepositoryName> canPull) {
        params.put("tagHits", null);
        params.put("tagNext", null);
        params.put("digestHits", null);
        params.put("digestNext", null);
        if (TAG.matcher(query).matches()) {
            SearchHit last = WebUi.validOrNull(ex.query("tl"), value -> cursor(value, false));
            Listing.Hits hits = listing.tagsStartingWith(query, last, HITS, canPull);
            params.put("tagHits", hits.hits());
            params.put("tagNext", next(query, "tl", hits.resumeAfter() == null ? null
                    : hits.resumeAfter().tag() + "@" + hits.resumeAfter().repository()));
        }
        String prefix = digestPrefix(query);
        if (prefix != null) {
            SearchHit last = WebUi.validOrNull(ex.query("dl"), value -> cursor(value, true));
            Listing.Hits hits = listing.manifestsStartingWith(prefix, last, HITS, canPull);
            params.put("digestHits", hits.hits());
            params.put("digestNext", next(query, "dl", hits.resumeAfter() == null ? null
                    : hits.resumeAfter().digest() + "@" + hits.resumeAfter().repository()));
        }
    }

    /** The digest prefix query means ("algorithm:hex", a bare hex prefix being sha256's), or null. */
    static String digestPrefix(String query) {
        String lower = query.toLowerCase(Locale.ROOT);
        if (DIGEST.matcher(lower).matches()) {
            return lower;
        }
        return HEX.matcher(lower).matches() ? "sha256:" + lower : null;
    }

    private static SearchHit cursor(String value, boolean digest) {
        int at = value.indexOf('@');
        String key = value.substring(0, at);
        String repository = new RepositoryName(value.substring(at + 1)).value();
        return digest ? new SearchHit(repository, null, Digest.parse(key)) : new SearchHit(repository, key, null);
    }

    private static String next(String query, String name, String cursor) {
        return cursor == null ? null : "/?q=" + WebUi.encode(query) + "&" + name + "=" + WebUi.encode(cursor);
    }
}
