package io.berth.model;

import io.berth.oci.Digest;
import io.berth.oci.Tag;
import java.util.function.Function;

/**
 * Who moves tags and through which operation (push, delete, rollback, promote, retention), recorded in the tag
 * history; which immutable-tag rule, if any, protects a tag (null: none); and, for a change decided on what the tag
 * pointed at (a rollback by steps, retention), the digest it must still point at (null: whatever it points at).
 * Checked inside the store's transaction.
 */
public record TagChange(String actor, String operation, Function<Tag, String> immutableRule, Digest expected) {
    public TagChange(String actor, String operation, Function<Tag, String> immutableRule) {
        this(actor, operation, immutableRule, null);
    }

    public static TagChange by(String actor, String operation) {
        return new TagChange(actor, operation, tag -> null);
    }

    /** This change, made only if the tag still points at digest; otherwise refused with 409 DENIED. */
    public TagChange ifAt(Digest digest) {
        return new TagChange(actor, operation, immutableRule, digest);
    }
}
