package io.berth.conformance;

import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryUnderTest.Feature;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Tag lists and the catalog: lexical order, n/last pagination and Link headers; repository deletion. */
abstract class ListingConformance extends Conformance {
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    /** Tags made of lower-case letters and digits, where lexical and ASCII order agree; pushed out of order. */
    private static final List<String> TAGS = List.of("t3", "t10", "b9", "t1", "alpha", "t2");
    private static final List<String> SORTED = TAGS.stream().sorted().toList();

    private String repoWithTags(List<String> tags) {
        String repo = newRepo("listing");
        pushImage(repo, tags.get(0), tags.subList(1, tags.size()).toArray(String[]::new));
        return repo;
    }

    /** GET of repo's tag list, with query ("" or "?n=..."). */
    private Response tagsPage(String repo, String query) {
        return http().get("/v2/" + repo + "/tags/list" + query);
    }

    /** The tags of a tag list answer, in the order given. */
    private static List<String> tags(Response tagList) {
        return strings(tagList.json().get("tags"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(node -> out.add(node.asText()));
        }
        return out;
    }

    /** The rel="next" target of a Link header, or null; checks it is a /v2/ path. */
    private static String nextLink(Response response) {
        String link = response.header("Link");
        if (link == null) {
            return null;
        }
        Matcher matcher = NEXT.matcher(link);
        assertThat(matcher.find()).as("rel=\"next\" in Link: %s", link).isTrue();
        assertThat(matcher.group(1)).startsWith("/v2/");
        return matcher.group(1);
    }

    private static Map<String, String> query(String link) {
        Map<String, String> parameters = new HashMap<>();
        String raw = URI.create(link).getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            parameters.put(kv[0], kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return parameters;
    }

    // ---- tags --------------------------------------------------------------------------------------------------------

    @Test
    void tags_list_names_the_repository_and_all_its_tags() {
        String repo = repoWithTags(TAGS);

        Response response = tagsPage(repo, "");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().path("name").asText()).isEqualTo(repo);
        assertThat(tags(response)).containsExactlyInAnyOrderElementsOf(TAGS);
    }

    @Test
    void tags_are_listed_in_lexical_order() {
        requires(Feature.SORTED_TAGS);
        String repo = repoWithTags(TAGS);

        Response response = tagsPage(repo, "");

        assertThat(tags(response)).containsExactlyElementsOf(SORTED);
    }

    @Test
    void tag_list_paginates_with_n_last_and_a_link_to_the_next_page() {
        requires(Feature.TAG_PAGINATION);
        String repo = repoWithTags(TAGS);

        Response first = tagsPage(repo, "?n=4");
        assertThat(tags(first)).containsExactlyElementsOf(SORTED.subList(0, 4));
        String next = nextLink(first);
        assertThat(next).as("Link of %s", first).isNotNull();
        assertThat(URI.create(next).getRawPath()).isEqualTo("/v2/" + repo + "/tags/list");
        assertThat(query(next)).containsEntry("n", "4").containsEntry("last", SORTED.get(3));

        Response second = http().get(next);
        assertThat(tags(second)).containsExactlyElementsOf(SORTED.subList(4, 6));
        assertThat(second.header("Link")).as("Link of the last page %s", second).isNull();
    }

    @Test
    void last_lists_the_tags_after_it_with_or_without_n() {
        requires(Feature.TAG_PAGINATION);
        String repo = repoWithTags(TAGS);

        Response withN = tagsPage(repo, "?n=2&last=" + SORTED.get(1));
        Response withoutN = tagsPage(repo, "?last=" + SORTED.get(1));

        assertThat(tags(withN)).containsExactlyElementsOf(SORTED.subList(2, 4));
        assertThat(tags(withoutN)).containsExactlyElementsOf(SORTED.subList(2, 6));
    }

    @Test
    void n_zero_gets_an_empty_tag_list_without_link() {
        requires(Feature.TAG_PAGINATION);
        String repo = repoWithTags(TAGS);

        Response response = tagsPage(repo, "?n=0");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(tags(response)).isEmpty();
        assertThat(response.header("Link")).isNull();
    }

    @Test
    void tag_list_follows_every_change_of_the_repositorys_tags() {
        requires(Feature.TAG_DELETE);
        String repo = repoWithTags(List.of("v1", "v2"));
        assertThat(tagList(repo)).containsExactly("v1", "v2");

        byte[] other = pushImage(repo, "v3");
        assertThat(tagList(repo)).containsExactly("v1", "v2", "v3");
        pushManifest(repo, "v1", Content.OCI_MANIFEST, other);
        assertThat(tagList(repo)).as("a moved tag is listed once").containsExactly("v1", "v2", "v3");
        assertThat(http().delete("/v2/" + repo + "/manifests/v2").status()).isEqualTo(202);
        assertThat(tagList(repo)).containsExactly("v1", "v3");
        assertThat(http().delete("/v2/" + repo + "/manifests/" + Content.sha256(other)).status()).isEqualTo(202);
        assertThat(tagList(repo)).as("the tags on a deleted manifest go with it").isEmpty();
        assertThat(tags(tagsPage(repo, "?n=1&last=v1"))).isEmpty();
    }

    private List<String> tagList(String repo) {
        Response response = tagsPage(repo, "");
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        return tags(response);
    }

    @Test
    void tags_list_of_an_unknown_repository_gets_404_name_unknown() {
        assertError(http().get("/v2/" + newRepo("listing") + "/tags/list"), 404, "NAME_UNKNOWN");
    }

    // ---- catalog -------------------------------------------------------------------------------------------------------

    @Test
    void catalog_paginates_in_lexical_order_with_n_last_and_link() {
        String prefix = newRepo("catalog");
        List<String> repos = List.of(prefix + "/c", prefix + "/a", prefix + "/b10", prefix + "/b2");
        for (String repo : repos) {
            pushImage(repo, "v1");
        }
        List<String> sorted = repos.stream().sorted().toList();

        // Only this test's repositories sort between prefix and prefix + "/c" (other tests use other prefixes).
        Response first = http().get("/v2/_catalog?n=2&last=" + prefix);
        assertThat(first.status()).as("%s", first).isEqualTo(200);
        assertThat(strings(first.json().get("repositories"))).containsExactlyElementsOf(sorted.subList(0, 2));
        String next = nextLink(first);
        assertThat(next).as("Link of %s", first).isNotNull();
        assertThat(URI.create(next).getRawPath()).isEqualTo("/v2/_catalog");
        assertThat(query(next)).containsEntry("n", "2").containsEntry("last", sorted.get(1));

        Response second = http().get(next);
        assertThat(strings(second.json().get("repositories"))).containsExactlyElementsOf(sorted.subList(2, 4));
    }

    // ---- repository deletion --------------------------------------------------------------------------------------------

    @Test
    void repository_deleted_with_the_cli_answers_404_afterwards() {
        requires(Feature.REPOSITORY_DELETE);
        String repo = newRepo("listing");
        byte[] manifest = pushImage(repo, "v1", "v2");
        String survivor = newRepo("listing");
        pushImage(survivor, "v1");

        assertThat(tagList(repo)).containsExactly("v1", "v2");

        ((BerthServer) registry()).cli("repo", "delete", repo);

        assertError(tagsPage(repo, ""), 404, "NAME_UNKNOWN");
        for (String reference : List.of("v1", "v2", Content.sha256(manifest))) {
            Response response = getManifest(repo, reference);
            assertThat(response.status()).as("%s", response).isEqualTo(404);
            assertThat(errorCodes(response)).containsAnyOf("MANIFEST_UNKNOWN", "NAME_UNKNOWN");
        }
        assertThat(getManifest(survivor, "v1").status()).isEqualTo(200);
        Response catalog = http().get("/v2/_catalog?n=10000");
        assertThat(strings(catalog.json().get("repositories"))).contains(survivor).doesNotContain(repo);

        pushImage(repo, "v3");
        assertThat(tagList(repo)).as("the repository made anew lists only its new tag").containsExactly("v3");
    }
}
