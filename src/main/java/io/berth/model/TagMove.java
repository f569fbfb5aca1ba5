package io.berth.model;

import io.berth.oci.Digest;
import java.time.Instant;

/** One entry of a tag's history: from previous to next digest (either null when the tag was created or removed). */
public record TagMove(String repository, String tag, Digest previous, Digest next, String actor, String operation,
                      Instant at) {}
