package io.berth.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One resource scope of the Docker token protocol: {@code repository:team-a/api:pull,push} or
 * {@code registry:catalog:*}. Resource classes such as {@code repository(plugin)} are read as their type.
 */
public record Scope(String type, String name, Set<String> actions) {
    public static final String PULL = "pull";
    public static final String PUSH = "push";
    public static final String DELETE = "delete";
    public static final String ALL = "*";

    public Scope {
        actions = Set.copyOf(actions);
    }

    /** Parses a space-separated list of scopes; malformed entries are ignored (they grant nothing). */
    public static List<Scope> parseAll(List<String> values) {
        List<Scope> scopes = new ArrayList<>();
        for (String value : values) {
            for (String part : value.trim().split("\\s+")) {
                Scope scope = parse(part);
                if (scope != null) {
                    scopes.add(scope);
                }
            }
        }
        return scopes;
    }

    static Scope parse(String text) {
        int first = text.indexOf(':');
        int last = text.lastIndexOf(':');
        if (first <= 0 || last == first) {
            return null;
        }
        String type = text.substring(0, first);
        int paren = type.indexOf('(');
        if (paren > 0) {
            type = type.substring(0, paren);
        }
        String name = text.substring(first + 1, last);
        Set<String> actions = new LinkedHashSet<>();
        for (String action : text.substring(last + 1).split(",")) {
            if (!action.isBlank()) {
                actions.add(action.trim());
            }
        }
        return name.isEmpty() ? null : new Scope(type, name, actions);
    }

    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions);
    }
}
