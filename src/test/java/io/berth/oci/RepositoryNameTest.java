package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryNameTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "library/ubuntu", "team-a/api", "a.b_c__d---e/f0", "x/y/z/w", "0"})
    void namesOfTheSpecGrammarAreAccepted(String name) {
        assertThat(RepositoryName.isValid(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "a/..", "../a", "a/../b", "A", "Team/api", "a\\b", "a//b", "/a", "a/", "a..b",
            "a_-b", "-a", "a-", "a b", "%2e%2e", "a/%2e%2e", "a/./b", "a:b"})
    void namesOutsideTheGrammarAreRefused(String name) {
        assertThat(RepositoryName.isValid(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"team-a/api:team-a", "ubuntu:library"})
    void namespaceIsTheFirstSegmentOrLibrary(String pair) {
        String[] parts = pair.split(":");
        assertThat(new RepositoryName(parts[0]).namespace()).isEqualTo(parts[1]);
    }
}
