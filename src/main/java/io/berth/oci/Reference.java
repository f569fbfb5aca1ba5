package io.berth.oci;

/** The {@code <reference>} of a manifest route: a tag or a digest. Exactly one of the two is set. */
public record Reference(Tag tag, Digest digest) {
    public Reference {
        if ((tag == null) == (digest == null)) {
            throw new IllegalArgumentException("a reference is a tag or a digest");
        }
    }

    public static Reference parse(String text) {
        if (Digest.looksLikeDigest(text)) {
            return new Reference(null, Digest.parse(text));
        }
        if (!Tag.isValid(text)) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, "invalid reference: not a tag or digest",
                    java.util.Map.of("reference", text.substring(0, Math.min(text.length(), 200))));
        }
        return new Reference(new Tag(text), null);
    }

    public boolean isDigest() {
        return digest != null;
    }

    @Override
    public String toString() {
        return isDigest() ? digest.toString() : tag.toString();
    }
}
