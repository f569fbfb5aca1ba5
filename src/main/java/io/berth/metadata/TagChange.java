package io.berth.metadata;

import io.berth.oci.Tag;
import java.util.function.Function;

/**
 * Who moves tags and through which operation (push, delete, rollback, promote, retention), recorded in the tag
 * history; and which immutable-tag rule, if any, protects a tag (null: none). Checked inside the store's transaction.
 */
public record TagChange(String actor, String operation, Function<Tag, String> immutableRule) {
    public static TagChange by(String actor, String operation) {
        return new TagChange(actor, operation, tag -> null);
    }
}
