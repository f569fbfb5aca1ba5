package io.berth.http;

import io.berth.auth.AccessAdmin;
import io.berth.auth.AccessPolicy;
import io.berth.auth.Authenticator;
import io.berth.auth.Principal;
import io.berth.auth.Scope;
import io.berth.auth.TokenService;
import io.berth.config.BuildInfo;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control for every route: who is calling (Bearer token, Basic credentials, or nobody) and whether that
 * caller may do what the route does. Missing, bad or expired credentials and tokens that lack the route's scope get
 * 401 with the Bearer challenge (clients fetch a token only after one); a known caller the policy refuses gets 403.
 */
public final class AuthFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(AuthFilter.class);

    /**
     * What {@code serve} installs in this filter's place while access control is off: every caller is anonymous and
     * may read every repository (a mount may draw on any of them, the catalog lists them all).
     */
    public static final Filter OPEN = (exchange, route, next) -> {
        exchange.authorize(Principal.ANONYMOUS, repository -> true);
        return next.handle(exchange);
    };

    private final Authenticator authenticator;
    private final TokenService tokens;
    private final AccessPolicy policy;
    private final AccessAdmin admin;
    private final String configuredRealm;

    public AuthFilter(Authenticator authenticator, TokenService tokens, AccessPolicy policy, AccessAdmin admin,
                      String configuredRealm) {
        this.authenticator = authenticator;
        this.tokens = tokens;
        this.policy = policy;
        this.admin = admin;
        this.configuredRealm = configuredRealm;
    }

    /** A caller and, when it came with a token, what the token grants. */
    private record Caller(Principal principal, List<Scope> tokenAccess, boolean external) {
        boolean bearer() {
            return tokenAccess != null;
        }

        Set<String> tokenActions(String type, String name) {
            java.util.Set<String> actions = new java.util.LinkedHashSet<>();
            for (Scope scope : tokenAccess) {
                if (scope.type().equals(type) && scope.name().equals(name)) {
                    actions.addAll(scope.actions());
                }
            }
            return actions;
        }
    }

    @Override
    public Outcome filter(Exchange ex, Route route, Route.Handler next) throws Exception {
        if (route.action() == Route.Action.NONE) {
            return next.handle(ex);
        }
        Caller caller = identify(ex, route);
        Principal principal = caller.principal();
        switch (route.action()) {
            case BASE, ACCOUNT -> {
                if (principal.isAnonymous()) {
                    decision(ex, principal, route.name(), false, "authentication required");
                    throw challenge(ex, route, null, null);
                }
                decision(ex, principal, route.name(), true, "authenticated");
                ex.authorize(principal, pullCheck(caller));
                return next.handle(ex);
            }
            case CATALOG -> {
                if (principal.isAnonymous()) {
                    decision(ex, principal, "registry:catalog:*", false, "authentication required");
                    throw challenge(ex, route, "registry:catalog:*", null);
                }
                if (caller.bearer() && caller.tokenActions("registry", "catalog").isEmpty()) {
                    decision(ex, principal, "registry:catalog:*", false, "the token lacks the scope");
                    throw challenge(ex, route, "registry:catalog:*", "insufficient_scope");
                }
                decision(ex, principal, "registry:catalog:*", true, "authenticated");
                ex.authorize(principal, pullCheck(caller));
                return next.handle(ex);
            }
            default -> {
                return repositoryRoute(ex, route, next, caller);
            }
        }
    }

    private Outcome repositoryRoute(Exchange ex, Route route, Route.Handler next, Caller caller) throws Exception {
        RepositoryName repository = new RepositoryName(ex.param("name"));
        Principal principal = caller.principal();
        String required = switch (route.action()) {
            case PUSH -> Scope.PUSH;
            case DELETE -> Scope.DELETE;
            default -> Scope.PULL;
        };
        String scope = "repository:" + repository + ":" + (required.equals(Scope.PUSH) ? "pull,push" : required);
        if (required.equals(Scope.PUSH) && principal.admin()) {
            admin.ensureNamespaceForAdminPush(principal, repository.namespace(), ex.source());
        }
        Set<String> held = caller.external() ? caller.tokenActions("repository", repository.value())
                : policy.allowed(principal, repository);
        boolean granted = held.contains(required)
                && (!caller.bearer() || caller.tokenActions("repository", repository.value()).contains(required));
        if (LOG.isDebugEnabled()) {
            decision(ex, principal, scope, granted, granted
                    ? (caller.external() ? "the external token grants " : caller.bearer()
                            ? "the token and the policy grant " : "the policy grants ") + required
                    : !held.contains(required)
                    ? (caller.external() ? "the external token does not grant " : "the policy does not grant ")
                            + required + (held.isEmpty() ? "" : " (holds " + String.join(",", held) + ")")
                    : "the token does not grant " + required);
        }
        if (granted) {
            ex.authorize(principal, scopedPullCheck(caller));
            return next.handle(ex);
        }
        if (principal.isAnonymous()) {
            // An anonymous token lacks the scope: say so, as docker then suggests 'docker login'.
            throw challenge(ex, route, scope, caller.bearer() ? "insufficient_scope" : null);
        }
        if (caller.external() || (caller.bearer() && held.contains(required))) {
            // An external issuer decides what its callers hold: only a new token from it can help.
            throw challenge(ex, route, scope, "insufficient_scope");
        }
        throw new RegistryException(ErrorCode.DENIED, "requested access to the resource is denied",
                Map.of("name", repository.value(), "action", required));
    }

    private Predicate<RepositoryName> pullCheck(Caller caller) {
        if (caller.external()) {
            return repository -> caller.tokenActions("repository", repository.value()).contains(Scope.PULL);
        }
        return repository -> policy.allowed(caller.principal(), repository).contains(Scope.PULL);
    }

    /**
     * Which repositories a repository request may draw on besides its own (a cross-repository mount's source):
     * with a token, only those whose pull the token itself grants, as CNCF Distribution requires, so a token
     * narrowed to one repository cannot reach the others its holder may read; always within the caller's rights.
     */
    private Predicate<RepositoryName> scopedPullCheck(Caller caller) {
        Predicate<RepositoryName> rights = pullCheck(caller);
        if (!caller.bearer() || caller.external()) {
            return rights;
        }
        return repository -> caller.tokenActions("repository", repository.value()).contains(Scope.PULL)
                && rights.test(repository);
    }

    private Caller identify(Exchange ex, Route route) {
        String authorization = ex.header("Authorization");
        if (authorization == null || authorization.isBlank()) {
            return new Caller(Principal.ANONYMOUS, null, false);
        }
        int space = authorization.indexOf(' ');
        String scheme = space < 0 ? authorization : authorization.substring(0, space);
        String value = space < 0 ? "" : authorization.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            Optional<TokenService.Verified> verified = tokens.verify(value);
            if (verified.isEmpty()) {
                decision(ex, Principal.ANONYMOUS, route.name(), false, "invalid or expired token");
                throw challenge(ex, route, null, "invalid_token");
            }
            if (verified.get().subject() == null || verified.get().subject().isEmpty()) {
                return new Caller(Principal.ANONYMOUS, verified.get().access(), false);
            }
            if (verified.get().external()) {
                return new Caller(Principal.user("external:" + verified.get().subject(), false), verified.get().access(), true);
            }
            Optional<Principal> subject = authenticator.bySubject(verified.get().subject());
            if (subject.isEmpty()) {
                decision(ex, Principal.ANONYMOUS, route.name(), false,
                        "the token's subject " + verified.get().subject() + " is unknown or disabled");
                throw challenge(ex, route, null, "invalid_token");
            }
            Principal principal = subject.get();
            return new Caller(principal, verified.get().access(), false);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String[] credentials = decodeBasic(value);
            if (credentials != null) {
                Optional<Principal> principal = authenticator.login(credentials[0], credentials[1], ex.source());
                if (principal.isPresent()) {
                    return new Caller(principal.get(), null, false);
                }
                decision(ex, Principal.ANONYMOUS, route.name(), false, "wrong credentials for " + credentials[0]);
                throw challenge(ex, route, null, null);
            }
        }
        decision(ex, Principal.ANONYMOUS, route.name(), false, "unusable Authorization header (" + scheme + ")");
        throw challenge(ex, route, null, null);
    }

    /** One debug line per decision: who, for what (scope or route), granted or refused, and why. */
    private static void decision(Exchange ex, Principal who, String what, boolean granted, String why) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("request {}: auth {} {} for {}: {}", ex.requestId(), granted ? "granted" : "refused", who.name(),
                    what, why);
        }
    }

    /** user and password of a Basic credential, or null when malformed. */
    static String[] decodeBasic(String value) {
        try {
            String decoded = new String(Base64.getDecoder().decode(value.trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private RegistryException challenge(Exchange ex, Route route, String scope, String error) {
        String realm = configuredRealm == null || configuredRealm.isBlank() ? ex.url("/auth/token") : configuredRealm;
        StringBuilder header = new StringBuilder("Bearer realm=\"").append(realm).append("\",service=\"")
                .append(tokens.service()).append('"');
        if (scope != null) {
            header.append(",scope=\"").append(scope).append('"');
        }
        if (error != null) {
            header.append(",error=\"").append(error).append('"');
        }
        String message = "invalid_token".equals(error) ? "invalid or expired token"
                : "insufficient_scope".equals(error) ? "token lacks the scope this request needs"
                : "authentication required";
        Map<String, String> headers = "base".equals(route.name())
                // /v2/ names the Berth that answers whether the caller may come in or not (RegistryApi.base).
                ? Map.of("WWW-Authenticate", header.toString(), "Berth-Version", BuildInfo.current().header())
                : Map.of("WWW-Authenticate", header.toString());
        return new RegistryException(ErrorCode.UNAUTHORIZED, message, null, headers);
    }
}
