package io.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouterTest {
    @Test
    void literalPrefixStopsBeforeTheFirstRegexConstructAndAnOptionalCharacter() {
        assertThat(Router.literalPrefix("/healthz")).isEqualTo("/healthz");
        assertThat(Router.literalPrefix("/v2/?")).isEqualTo("/v2");
        assertThat(Router.literalPrefix("/v2/(?<name>[^?#]+?)/tags/list")).isEqualTo("/v2/");
        assertThat(Router.literalPrefix("/v2/_catalog")).isEqualTo("/v2/_catalog");
        assertThat(Router.literalPrefix("/api/v1/namespaces/(?<namespace>[^/]+)/usage")).isEqualTo("/api/v1/namespaces/");
        assertThat(Router.literalPrefix("/a\\.b")).isEqualTo("/a");
    }
}
