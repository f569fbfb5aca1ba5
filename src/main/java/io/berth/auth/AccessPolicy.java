package io.berth.auth;

import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.Role;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.metadata.AuthStore;
import io.berth.oci.RepositoryName;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides what a principal may do to a repository. Access is denied unless granted: by being the instance admin,
 * by a role in the repository's namespace, by a robot token's patterns, or (pull only) by a public namespace.
 * A name without '/' belongs to the namespace "library", which only admins may push to.
 *
 * <p>A robot token never holds more than the user who made it holds now: its patterns and actions are cut down to
 * its creator's current rights, read on every request, so a creator who is demoted, removed from the namespace or
 * disabled takes the token's rights down too. Tokens made on the command line ({@code cli:<os user>}) act with the
 * instance admin's authority, as the command line does.
 */
public final class AccessPolicy implements Permissions {
    public static final Set<String> ALL = Set.of(Scope.PULL, Scope.PUSH, Scope.DELETE);
    public static final String LIBRARY = "library";
    /** Who the command line acts as: {@code cli:<os user>}; user names cannot contain ':'. */
    private static final String COMMAND_LINE = "cli:";

    private final AuthStore store;
    private final Clock clock;

    public AccessPolicy(AuthStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public Set<String> allowed(Principal principal, RepositoryName repository) {
        if (principal.admin()) {
            return ALL;
        }
        String namespace = repository.namespace();
        Optional<Namespace> ns = store.namespace(namespace);
        Set<String> actions = new LinkedHashSet<>();
        if (ns.isPresent() && ns.get().isPublic()) {
            actions.add(Scope.PULL);
        }
        switch (principal.kind()) {
            case USER -> {
                if (ns.isPresent()) {
                    store.role(namespace, principal.name()).ifPresent(role -> actions.addAll(actionsOf(role)));
                }
            }
            case ROBOT -> actions.addAll(robotActions(principal.robot(), repository, ns.isPresent()));
            case ANONYMOUS -> { }
        }
        if (namespace.equals(LIBRARY) && !robotOfAdmin(principal)) {
            actions.remove(Scope.PUSH);
        }
        return actions;
    }

    private Set<String> robotActions(RobotToken token, RepositoryName repository, boolean namespaceExists) {
        if (!token.activeAt(clock.instant())) {
            return Set.of();
        }
        if (token.namespace() != null && !token.namespace().equals(repository.namespace())) {
            return Set.of();
        }
        if (!namespaceExists && token.namespace() != null) {
            return Set.of();
        }
        for (String pattern : token.repositories()) {
            if (glob(pattern).matcher(repository.value()).matches()) {
                Set<String> actions = new LinkedHashSet<>(token.actions());
                actions.retainAll(ALL);
                Optional<Principal> creator = creator(token);
                if (creator.isEmpty()) {
                    return Set.of();
                }
                actions.retainAll(allowed(creator.get(), repository));
                return actions;
            }
        }
        return Set.of();
    }

    /** The user a robot token acts for, as that user stands now; empty when it is disabled or gone. */
    private Optional<Principal> creator(RobotToken token) {
        if (token.createdBy().startsWith(COMMAND_LINE)) {
            return Optional.of(Principal.user(token.createdBy(), true));
        }
        return store.user(token.createdBy()).filter(u -> !u.disabled()).map(u -> Principal.user(u.name(), u.admin()));
    }

    /** A robot created by an admin for no particular namespace acts with an admin's reach, within its patterns. */
    private boolean robotOfAdmin(Principal principal) {
        if (principal.kind() != Principal.Kind.ROBOT || principal.robot().namespace() != null) {
            return false;
        }
        return creator(principal.robot()).map(Principal::admin).orElse(false);
    }

    static Set<String> actionsOf(Role role) {
        return switch (role) {
            case READER -> Set.of(Scope.PULL);
            case WRITER -> Set.of(Scope.PULL, Scope.PUSH);
            case MAINTAINER, OWNER -> ALL;
        };
    }

    @Override
    public boolean may(Principal caller, RepositoryName repository, String action) {
        return allowed(caller, repository).contains(action);
    }

    @Override
    public boolean isAdmin(Principal caller) {
        return caller.admin();
    }

    /** True for the admin and for owners of the namespace. */
    @Override
    public boolean canManage(Principal principal, String namespace) {
        if (principal.admin()) {
            return true;
        }
        return principal.kind() == Principal.Kind.USER
                && store.role(namespace, principal.name()).map(r -> r == Role.OWNER).orElse(false);
    }

    /**
     * True for those who may read a namespace's settings (rules, quota, usage): the admin, any caller for a public
     * namespace, its members, and robot tokens made for it while their creator may read it.
     */
    @Override
    public boolean canRead(Principal principal, String namespace) {
        if (principal.admin()) {
            return true;
        }
        Optional<Namespace> ns = store.namespace(namespace);
        if (ns.isEmpty()) {
            return false;
        }
        return switch (principal.kind()) {
            case USER -> ns.get().isPublic() || store.role(namespace, principal.name()).isPresent();
            // A token reads no more than its creator may read now (a creator removed or disabled takes it along).
            case ROBOT -> ns.get().isPublic() || (principal.robot().activeAt(clock.instant())
                    && namespace.equals(principal.robot().namespace())
                    && creator(principal.robot()).map(creator -> canRead(creator, namespace)).orElse(false));
            case ANONYMOUS -> ns.get().isPublic();
        };
    }

    /**
     * True for the admin, for users with a role in the namespace, and for robot tokens made for the namespace (or,
     * by an admin, for none) while their creator is a member.
     */
    @Override
    public boolean isMember(Principal principal, String namespace) {
        if (principal.admin()) {
            return true;
        }
        return switch (principal.kind()) {
            case USER -> store.role(namespace, principal.name()).isPresent();
            case ROBOT -> principal.robot().activeAt(clock.instant())
                    && (principal.robot().namespace() == null || namespace.equals(principal.robot().namespace()))
                    && creator(principal.robot()).map(creator -> isMember(creator, namespace)).orElse(false);
            case ANONYMOUS -> false;
        };
    }

    /** Shell-style patterns: '*' matches any run of characters (also '/'), '?' one character. */
    public static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    /** Grants for a token request: each repository scope narrowed to what the principal holds ('*' = all held). */
    public List<Scope> grant(Principal principal, List<Scope> requested) {
        List<Scope> granted = new java.util.ArrayList<>();
        for (Scope scope : requested) {
            if (scope.type().equals("registry") && scope.name().equals("catalog")) {
                if (!principal.isAnonymous()) {
                    granted.add(new Scope("registry", "catalog", Set.of(Scope.ALL)));
                }
                continue;
            }
            if (!scope.type().equals("repository") || !RepositoryName.isValid(scope.name())) {
                continue;
            }
            Set<String> held = allowed(principal, new RepositoryName(scope.name()));
            Set<String> actions = new LinkedHashSet<>();
            for (String action : scope.actions()) {
                if (action.equals(Scope.ALL)) {
                    actions.addAll(held);
                } else if (held.contains(action)) {
                    actions.add(action);
                }
            }
            granted.add(new Scope("repository", scope.name(), actions));
        }
        return granted;
    }
}
