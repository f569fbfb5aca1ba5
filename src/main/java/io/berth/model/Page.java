package io.berth.model;

import java.util.List;

/** One page of a keyset-paginated listing; more is true when entries follow the last one. */
public record Page<T>(List<T> items, boolean more) {}
