package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
    @Test
    void sha256OfContentMatchesTheKnownValue() {
        assertThat(Digest.sha256("hello".getBytes(StandardCharsets.UTF_8)).toString())
                .isEqualTo("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    }

    @Test
    void sha512DigestsParse() {
        Digest d = Digest.of("sha512", new byte[0]);
        assertThat(Digest.parse(d.toString())).isEqualTo(d);
        assertThat(d.hex()).hasSize(128);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "sha256", "sha256:", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:ABC",
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982", "sha256:../../etc/passwd",
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824/.."})
    void malformedDigestsAreRefusedWithDigestInvalid(String text) {
        assertThatThrownBy(() -> Digest.parse(text)).isInstanceOfSatisfying(RegistryException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
    }
}
