package io.berth.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.AccessPolicy;
import io.berth.auth.Authenticator;
import io.berth.auth.Principal;
import io.berth.auth.RefreshTokens;
import io.berth.auth.Scope;
import io.berth.auth.TokenService;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker token endpoint. GET with optional Basic credentials, repeated {@code scope}, {@code service},
 * {@code offline_token=true} (docker login); POST form with {@code grant_type=password} (containerd) or
 * {@code refresh_token} (docker after login). No credentials means anonymous rights (public pulls).
 */
public final class TokenApi {
    private static final Logger LOG = LoggerFactory.getLogger(TokenApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FORM_BYTES = 64 * 1024;

    private final Authenticator authenticator;
    private final AccessPolicy policy;
    private final TokenService tokens;
    private final RefreshTokens refreshTokens;

    public TokenApi(Authenticator authenticator, AccessPolicy policy, TokenService tokens, RefreshTokens refreshTokens) {
        this.authenticator = authenticator;
        this.policy = policy;
        this.tokens = tokens;
        this.refreshTokens = refreshTokens;
    }

    Outcome get(Exchange ex) {
        Principal principal = Principal.ANONYMOUS;
        String authorization = ex.header("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String[] credentials = AuthFilter.decodeBasic(authorization.substring(6));
            principal = credentials == null ? null : login(ex, credentials[0], credentials[1]);
            if (principal == null) {
                throw unauthorized();
            }
        }
        ex.identified(principal);
        boolean offline = "true".equalsIgnoreCase(ex.query("offline_token"));
        return answer(ex, principal, Scope.parseAll(ex.queryAll("scope")), offline, null);
    }

    Outcome post(Exchange ex) {
        return new SmallBody(MAX_FORM_BYTES, () -> new RegistryException(ErrorCode.INVALID_REQUEST, "form too large"),
                body -> postForm(ex, new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false).parameters()));
    }

    private Response postForm(Exchange ex, Map<String, List<String>> form) {
        String grantType = first(form, "grant_type");
        List<Scope> scopes = Scope.parseAll(form.getOrDefault("scope", List.of()));
        boolean offline = "offline".equals(first(form, "access_type"));
        if ("password".equals(grantType)) {
            Principal principal = login(ex, first(form, "username"), first(form, "password"));
            if (principal == null) {
                throw unauthorized();
            }
            ex.identified(principal);
            return answer(ex, principal, scopes, offline, null);
        }
        if ("refresh_token".equals(grantType)) {
            String refresh = first(form, "refresh_token");
            Principal principal = refreshTokens.principal(refresh).orElse(null);
            if (principal == null) {
                LOG.debug("request {}: token refused: unknown or revoked refresh token", ex.requestId());
                throw unauthorized();
            }
            ex.identified(principal);
            return answer(ex, principal, scopes, false, refresh);
        }
        throw new RegistryException(ErrorCode.INVALID_REQUEST, "grant_type must be password or refresh_token");
    }

    /** The principal the credentials name, or null; a refusal names the account tried (not the secret). */
    private Principal login(Exchange ex, String username, String password) {
        Principal principal = authenticator.login(username, password, ex.source()).orElse(null);
        if (principal == null) {
            String account = Authenticator.account(username, password);
            ex.attempted(account);
            LOG.debug("request {}: token refused for {}: incorrect username or password", ex.requestId(), account);
        }
        return principal;
    }

    private Response answer(Exchange ex, Principal principal, List<Scope> requested, boolean offline,
                            String existingRefresh) {
        List<Scope> granted = policy.grant(principal, requested);
        if (LOG.isDebugEnabled()) {
            LOG.debug("request {}: token for {} asked {} granted {}", ex.requestId(), principal.name(),
                    requested.isEmpty() ? "no scope" : requested, granted.isEmpty() ? "nothing" : granted);
        }
        TokenService.Issued issued = tokens.issue(principal, granted);
        ObjectNode body = JSON.createObjectNode();
        body.put("token", issued.token());
        body.put("access_token", issued.token());
        body.put("expires_in", issued.expiresIn());
        body.put("issued_at", issued.issuedAt().toString());
        if (offline && principal.kind() == Principal.Kind.USER) {
            body.put("refresh_token", refreshTokens.issue(principal));
        } else if (existingRefresh != null) {
            body.put("refresh_token", existingRefresh);
        }
        return Response.status(200).json(body.toString()).header("Cache-Control", "no-store");
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static RegistryException unauthorized() {
        return new RegistryException(ErrorCode.UNAUTHORIZED, "incorrect username or password", null,
                Map.of("WWW-Authenticate", "Basic realm=\"berth\""));
    }
}
