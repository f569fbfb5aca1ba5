package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Any text given as a repository name, tag, digest or manifest reference either parses or is refused with that
 * parser's own error code; nothing else may escape (it would be a 500). What parses prints back to the same value.
 */
class NameFuzzTest {
    /** The codes the spec has for a manifest reference that is not there or not well formed. */
    private static final Set<ErrorCode> REFERENCE_ERRORS = Set.of(ErrorCode.DIGEST_INVALID, ErrorCode.MANIFEST_INVALID,
            ErrorCode.MANIFEST_UNKNOWN, ErrorCode.TAG_INVALID);

    @DictionaryEntries({"sha256:", "sha512:", "md5:", "/", "__", "--", ".", "_", ":", "library/",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"})
    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyNameTagDigestAndReferenceParsesOrIsRefusedWithItsCode(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);

        boolean validName = RepositoryName.isValid(text);
        try {
            RepositoryName name = new RepositoryName(text);
            assertThat(validName).isTrue();
            assertThat(name.toString()).isEqualTo(text);
            assertThat(RepositoryName.isValid(name.namespace())).isTrue();
        } catch (RegistryException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.NAME_INVALID);
            assertThat(validName).isFalse();
        }

        boolean validTag = Tag.isValid(text);
        try {
            assertThat(new Tag(text).toString()).isEqualTo(text);
            assertThat(validTag).isTrue();
        } catch (RegistryException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.TAG_INVALID);
            assertThat(validTag).isFalse();
        }

        try {
            Digest digest = Digest.parse(text);
            assertThat(Digest.parse(digest.toString())).isEqualTo(digest);
            assertThat(digest.toString()).isEqualTo(text);
            Digest.checkAlgorithm(digest.algorithm());
        } catch (RegistryException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID);
        }

        try {
            Reference reference = Reference.parse(text);
            assertThat(Reference.parse(reference.toString())).isEqualTo(reference);
            assertThat(reference.isDigest()).isEqualTo(Digest.looksLikeDigest(text));
        } catch (RegistryException e) {
            assertThat(e.code()).isIn(REFERENCE_ERRORS);
        }
    }
}
