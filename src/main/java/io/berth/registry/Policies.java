package io.berth.registry;

import io.berth.metadata.LifecycleStore;
import io.berth.model.TagChange;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Per-namespace policies every push and tag move obeys: immutable tags. Storage quotas are checked by the metadata
 * store, inside the transaction that links the bytes, so racing pushes cannot pass them together.
 */
public final class Policies {
    private static final Pattern PATTERN_CHARACTERS = Pattern.compile("[A-Za-z0-9._*?\\[\\]-]+");

    private final LifecycleStore store;

    public Policies(LifecycleStore store) {
        this.store = store;
    }

    /** The tag change of actor in repository, protected by the namespace's immutable-tag rules. */
    public TagChange tagChange(RepositoryName repository, String actor, String operation) {
        List<String> rules = store.immutableRules(repository.namespace());
        if (rules.isEmpty()) {
            return TagChange.by(actor, operation);
        }
        List<Pattern> patterns = rules.stream().map(Policies::glob).toList();
        return new TagChange(actor, operation, tag -> {
            for (int i = 0; i < patterns.size(); i++) {
                if (patterns.get(i).matcher(tag.value()).matches()) {
                    return rules.get(i);
                }
            }
            return null;
        });
    }

    /** The immutable rule protecting tag, or null. */
    public String immutableRule(RepositoryName repository, Tag tag) {
        return tagChange(repository, "", "").immutableRule().apply(tag);
    }

    /**
     * Why text is not a tag pattern (immutable and retention rules), or null when it is one: 1 to 128 of a tag's
     * characters and the wildcards, each '[' class closed and valid.
     */
    public static String patternProblem(String text) {
        if (text == null || text.isEmpty() || text.length() > 128) {
            return "must have 1 to 128 characters";
        }
        if (!PATTERN_CHARACTERS.matcher(text).matches()) {
            return "may hold only letters, digits, '.', '_', '-' and the wildcards '*', '?', '[...]'";
        }
        try {
            glob(text);
        } catch (PatternSyntaxException e) {
            return "has an invalid '[...]' class (unclosed, empty or a backwards range)";
        }
        return null;
    }

    /** Shell-style tag patterns: '*' any run of characters, '?' one, [0-9] a class. */
    static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        boolean inClass = false;
        for (char c : pattern.toCharArray()) {
            if (inClass) {
                regex.append(c);
                inClass = c != ']';
                continue;
            }
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                case '[' -> {
                    regex.append('[');
                    inClass = true;
                }
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
