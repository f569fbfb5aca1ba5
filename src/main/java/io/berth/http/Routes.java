package io.berth.http;

import static io.netty.handler.codec.http.HttpMethod.DELETE;
import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.HEAD;
import static io.netty.handler.codec.http.HttpMethod.PATCH;
import static io.netty.handler.codec.http.HttpMethod.POST;
import static io.netty.handler.codec.http.HttpMethod.PUT;

import io.berth.http.Route.Action;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Every endpoint Berth serves, in one list: it drives dispatch, 405 answers with Allow, and the action access
 * control checks. Upload routes come before blob routes so that "uploads" is never read as a digest.
 */
public final class Routes {
    private static final String NAME = "(?<name>[^?#]+?)";
    /** The probes' route names (the access log writes their lines at DEBUG). */
    static final String HEALTH = "health";
    static final String READY = "ready";

    private Routes() {}

    public static List<Route> of(RegistryApi api) {
        List<Route> routes = new ArrayList<>();
        add(routes, HEALTH, GET, "/healthz", Action.NONE, api::health);
        add(routes, READY, GET, "/readyz", Action.NONE, api::ready);
        add(routes, "version", GET, "/version", Action.NONE, api::version);
        add(routes, "base", GET, "/v2/?", Action.BASE, api::base);
        add(routes, "base", HEAD, "/v2/?", Action.BASE, api::base);
        add(routes, "catalog", GET, "/v2/_catalog", Action.CATALOG, api::catalog);
        add(routes, "tags", GET, "/v2/" + NAME + "/tags/list", Action.PULL, api::tags);
        add(routes, "referrers", GET, "/v2/" + NAME + "/referrers/(?<digest>[^/]+)", Action.PULL, api::referrers);
        add(routes, "manifest", GET, "/v2/" + NAME + "/manifests/(?<reference>[^/]+)", Action.PULL, api::getManifest);
        add(routes, "manifest", HEAD, "/v2/" + NAME + "/manifests/(?<reference>[^/]+)", Action.PULL, api::getManifest);
        add(routes, "manifest", PUT, "/v2/" + NAME + "/manifests/(?<reference>[^/]+)", Action.PUSH, api::putManifest);
        add(routes, "manifest", DELETE, "/v2/" + NAME + "/manifests/(?<reference>[^/]+)", Action.DELETE, api::deleteManifest);
        add(routes, "upload-start", POST, "/v2/" + NAME + "/blobs/uploads/?", Action.PUSH, api::startUpload);
        add(routes, "upload", GET, "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", Action.PUSH, api::uploadStatus);
        add(routes, "upload", PATCH, "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", Action.PUSH, api::patchUpload);
        add(routes, "upload", PUT, "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", Action.PUSH, api::finishUpload);
        add(routes, "upload", DELETE, "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", Action.PUSH, api::cancelUpload);
        add(routes, "blob", GET, "/v2/" + NAME + "/blobs/(?<digest>[^/]+)", Action.PULL, api::getBlob);
        add(routes, "blob", HEAD, "/v2/" + NAME + "/blobs/(?<digest>[^/]+)", Action.PULL, api::getBlob);
        add(routes, "blob", DELETE, "/v2/" + NAME + "/blobs/(?<digest>[^/]+)", Action.DELETE, api::deleteBlob);
        return routes;
    }

    /** The token endpoint and the management API, installed when access control is on. */
    public static List<Route> access(TokenApi tokens, ManagementApi management) {
        List<Route> routes = new ArrayList<>();
        add(routes, "token", GET, "/auth/token", Action.NONE, tokens::get);
        add(routes, "token", POST, "/auth/token", Action.NONE, tokens::post);
        add(routes, "api-me", GET, "/api/v1/me", Action.ACCOUNT, management::me);
        add(routes, "api-users", GET, "/api/v1/users", Action.ACCOUNT, management::listUsers);
        add(routes, "api-users", POST, "/api/v1/users", Action.ACCOUNT, management::createUser);
        add(routes, "api-user-password", PUT, "/api/v1/users/(?<user>[^/]+)/password", Action.ACCOUNT, management::changePassword);
        add(routes, "api-user-disabled", PUT, "/api/v1/users/(?<user>[^/]+)/disabled", Action.ACCOUNT, management::setDisabled);
        add(routes, "api-namespaces", GET, "/api/v1/namespaces", Action.ACCOUNT, management::listNamespaces);
        add(routes, "api-namespaces", POST, "/api/v1/namespaces", Action.ACCOUNT, management::createNamespace);
        add(routes, "api-namespace-public", PUT, "/api/v1/namespaces/(?<namespace>[^/]+)/public", Action.ACCOUNT, management::publish);
        add(routes, "api-members", GET, "/api/v1/namespaces/(?<namespace>[^/]+)/members", Action.ACCOUNT, management::members);
        add(routes, "api-member", PUT, "/api/v1/namespaces/(?<namespace>[^/]+)/members/(?<user>[^/]+)", Action.ACCOUNT, management::grant);
        add(routes, "api-member", DELETE, "/api/v1/namespaces/(?<namespace>[^/]+)/members/(?<user>[^/]+)", Action.ACCOUNT, management::revoke);
        add(routes, "api-tokens", GET, "/api/v1/tokens", Action.ACCOUNT, management::listTokens);
        add(routes, "api-tokens", POST, "/api/v1/tokens", Action.ACCOUNT, management::createToken);
        add(routes, "api-token", DELETE, "/api/v1/tokens/(?<id>[^/]+)", Action.ACCOUNT, management::revokeToken);
        add(routes, "api-audit", GET, "/api/v1/audit", Action.ACCOUNT, management::audit);
        return routes;
    }

    /**
     * Lifecycle operations of the management API, always installed: with access control on, the caller must be
     * known (each operation then checks its own permission); with it off no filter asks.
     */
    public static List<Route> lifecycle(LifecycleApi api) {
        Action account = Action.ACCOUNT;
        String repo = "/api/v1/repositories/(?<name>[^?#]+?)";
        String ns = "/api/v1/namespaces/(?<namespace>[^/]+)";
        List<Route> routes = new ArrayList<>();
        add(routes, "api-tag-history", GET, repo + "/tags/(?<tag>[^/]+)/history", account, api::history);
        add(routes, "api-tag-rollback", POST, repo + "/tags/(?<tag>[^/]+)/rollback", account, api::rollback);
        add(routes, "api-repository", DELETE, repo, account, api::deleteRepository);
        add(routes, "api-promote", POST, "/api/v1/promote", account, api::promote);
        add(routes, "api-immutable", GET, ns + "/immutable", account, api::immutableRules);
        add(routes, "api-immutable", POST, ns + "/immutable", account, api::addImmutableRule);
        add(routes, "api-immutable", DELETE, ns + "/immutable", account, api::removeImmutableRule);
        add(routes, "api-usage", GET, ns + "/usage", account, api::usage);
        add(routes, "api-quota", PUT, ns + "/quota", account, api::setQuota);
        add(routes, "api-retention", GET, ns + "/retention", account, api::retentionRules);
        add(routes, "api-retention", POST, ns + "/retention", account, api::addRetentionRule);
        add(routes, "api-retention-rule", DELETE, ns + "/retention/(?<id>[^/]+)", account, api::removeRetentionRule);
        add(routes, "api-retention-run", POST, ns + "/retention/run", account, api::runRetention);
        add(routes, "api-gc", POST, "/api/v1/gc", account, api::collect);
        return routes;
    }

    /**
     * The read side of the management API (repositories, tags, a manifest in detail, usage), always installed like
     * the lifecycle routes: each answer holds only what the caller may read.
     */
    public static List<Route> listing(ListingApi api) {
        String repo = "/api/v1/repositories/(?<name>[^?#]+?)";
        List<Route> routes = new ArrayList<>();
        add(routes, "api-repositories", GET, "/api/v1/repositories", Action.ACCOUNT, api::repositories);
        add(routes, "api-repository-tags", GET, repo + "/tags", Action.ACCOUNT, api::tags);
        add(routes, "api-manifest", GET, repo + "/manifests/(?<reference>[^/]+)", Action.ACCOUNT, api::manifest);
        add(routes, "api-usage-all", GET, "/api/v1/usage", Action.ACCOUNT, api::usage);
        return routes;
    }

    /**
     * The vulnerability database (always installed, like the lifecycle routes): status for any known caller, imports
     * for the admin (the handler checks).
     */
    public static List<Route> vulndb(VulnDbApi api) {
        List<Route> routes = new ArrayList<>();
        add(routes, "api-vulndb", GET, "/api/v1/vulndb", Action.ACCOUNT, api::status);
        add(routes, "api-vulndb", POST, "/api/v1/vulndb", Action.ACCOUNT, api::importBody);
        return routes;
    }

    /** Scans: a scan on demand (push right) and the report (pull right); the handlers check. */
    public static List<Route> scans(ScanApi api) {
        String manifest = "/api/v1/repositories/(?<name>[^?#]+?)/manifests/(?<reference>[^/]+)";
        List<Route> routes = new ArrayList<>();
        add(routes, "api-scan", POST, manifest + "/scan", Action.ACCOUNT, api::scan);
        add(routes, "api-vulnerabilities", GET, manifest + "/vulnerabilities", Action.ACCOUNT, api::vulnerabilities);
        return routes;
    }

    private static void add(List<Route> routes, String name, HttpMethod method, String regex, Action action,
                            Route.Handler handler) {
        routes.add(new Route(name, method, Pattern.compile(regex), action, handler));
    }
}
