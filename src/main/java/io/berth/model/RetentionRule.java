package io.berth.model;

import java.time.Instant;
import java.util.List;

/**
 * A namespace's retention rule: of the tags matching pattern, keep the newest keepLast per repository and/or remove
 * those older than maxAgeDays (either may be null); keepPatterns are tags never removed.
 */
public record RetentionRule(String id, String namespace, String pattern, Integer keepLast, Integer maxAgeDays,
                            List<String> keepPatterns, String createdBy, Instant createdAt) {}
