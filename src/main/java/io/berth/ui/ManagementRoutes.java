package io.berth.ui;

import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;

import io.berth.auth.AccessAdmin;
import io.berth.auth.Permissions;
import io.berth.http.Exchange;
import io.berth.http.Response;
import io.berth.http.Route;
import io.berth.oci.RegistryException;
import io.berth.registry.Lifecycle;
import io.berth.registry.Listing;
import io.berth.registry.Registry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The management half of the UI: namespace settings (members, public, immutable and retention rules, quota),
 * promotion of a tag, and the admin pages (users, robot tokens, audit log, garbage collection). Each page and action
 * asks {@code auth} (through {@link AccessAdmin} and {@link Permissions}) exactly what the management API asks, and
 * calls the same domain service; a refusal is a page saying why, with the API's status.
 */
final class ManagementRoutes {
    /** A form's body is small: the largest is a retention rule or a robot token. */
    private static final int MAX_FORM_BYTES = 8192;
    /** A retention run posts back the dry run's list: up to some thousands of tags. */
    private static final int MAX_RUN_FORM_BYTES = 1 << 20;

    private final WebUi ui;
    private final NamespacePages namespaces;
    private final AdminPages admin;

    ManagementRoutes(WebUi ui, Listing listing, Registry registry, Lifecycle lifecycle, AccessAdmin accessAdmin,
                     Permissions permissions, Pages pages, WebUi.Audit audit, boolean accessControl) {
        this.ui = ui;
        ManagementPage.Services services = new ManagementPage.Services(ui, listing, registry, lifecycle, accessAdmin,
                permissions, pages, audit, accessControl);
        this.namespaces = new NamespacePages(services);
        this.admin = new AdminPages(services);
    }

    /** A change posted from a form: the visitor, the form (already checked for this site and its CSRF token). */
    @FunctionalInterface
    interface Action {
        Response apply(Exchange ex, WebUi.Visitor visitor, Map<String, String> form);
    }

    List<Route> routes() {
        List<Route> routes = new ArrayList<>();
        String ns = "/ns/(?<namespace>[^/]+)";
        WebUi.add(routes, "ui-namespaces", GET, "/ns/?", ex -> namespaces.list(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-namespaces", POST, "/ns/?", ex -> form(ex, namespaces::create));
        WebUi.add(routes, "ui-namespace", GET, ns + "/?", ex -> namespaces.page(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-ns-public", POST, ns + "/public", ex -> form(ex, namespaces::publish));
        WebUi.add(routes, "ui-ns-member", POST, ns + "/members", ex -> form(ex, namespaces::grant));
        WebUi.add(routes, "ui-ns-member-remove", POST, ns + "/members/remove", ex -> form(ex, namespaces::revoke));
        WebUi.add(routes, "ui-ns-immutable", POST, ns + "/immutable", ex -> form(ex, namespaces::addImmutable));
        WebUi.add(routes, "ui-ns-immutable-remove", POST, ns + "/immutable/remove",
                ex -> form(ex, namespaces::removeImmutable));
        WebUi.add(routes, "ui-ns-quota", POST, ns + "/quota", ex -> form(ex, namespaces::setQuota));
        WebUi.add(routes, "ui-ns-retention", POST, ns + "/retention", ex -> form(ex, namespaces::addRetention));
        WebUi.add(routes, "ui-ns-retention-remove", POST, ns + "/retention/remove",
                ex -> form(ex, namespaces::removeRetention));
        WebUi.add(routes, "ui-ns-retention-run", POST, ns + "/retention/run",
                ex -> form(ex, MAX_RUN_FORM_BYTES, namespaces::runRetention));
        WebUi.add(routes, "ui-tag-promote", POST, "/r/(?<name>[^?#]+?)/-/tags/(?<tag>[^/]+)/promote",
                ex -> form(ex, namespaces::promote));
        WebUi.add(routes, "ui-admin", GET, "/admin/?", ex -> admin.index(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-admin-users", GET, "/admin/users", ex -> admin.users(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-admin-users", POST, "/admin/users", ex -> form(ex, admin::createUser));
        WebUi.add(routes, "ui-admin-user-password", POST, "/admin/users/(?<user>[^/]+)/password",
                ex -> form(ex, admin::resetPassword));
        WebUi.add(routes, "ui-admin-user-disabled", POST, "/admin/users/(?<user>[^/]+)/disabled",
                ex -> form(ex, admin::setDisabled));
        WebUi.add(routes, "ui-admin-tokens", GET, "/admin/tokens", ex -> admin.tokens(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-admin-tokens", POST, "/admin/tokens", ex -> form(ex, admin::createToken));
        WebUi.add(routes, "ui-admin-token-created", GET, AdminPages.CREATED_PATH,
                ex -> admin.createdToken(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-admin-token-revoke", POST, "/admin/tokens/(?<id>[^/]+)/revoke",
                ex -> form(ex, admin::revokeToken));
        WebUi.add(routes, "ui-admin-audit", GET, "/admin/audit", ex -> admin.audit(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-admin-gc", GET, "/admin/gc", ex -> admin.gc(ex, ui.visitor(ex)));
        WebUi.add(routes, "ui-admin-gc", POST, "/admin/gc", ex -> form(ex, admin::collect));
        return routes;
    }

    /** A form post: collected, checked (same site, the session's CSRF token), then the action. */
    private FormBody form(Exchange ex, Action action) {
        return form(ex, MAX_FORM_BYTES, action);
    }

    private FormBody form(Exchange ex, int limit, Action action) {
        return new FormBody(limit, form -> {
            WebUi.Visitor visitor = ui.visitor(ex);
            try {
                ui.checkForm(ex, visitor, form);
            } catch (RegistryException e) {
                return ui.message(visitor, e.code().status(), "Not changed", e.getMessage() + "; nothing was changed.");
            }
            return action.apply(ex, visitor, form);
        });
    }

    /** The answer to a refused or failed action: the API's status, and a page that says why. */
    static Response failed(WebUi ui, WebUi.Visitor visitor, RegistryException e) {
        return ui.message(visitor, e.code().status(), e.code().status() == 403 ? "Not allowed" : "Not changed",
                ManagementPage.reason(e));
    }

    static String capitalized(String text) {
        return text == null || text.isEmpty() ? "" : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** Parameters for a page: its frame and the rest, in pairs. */
    static Map<String, Object> params(Chrome chrome, Object... pairs) {
        Map<String, Object> params = new HashMap<>();
        params.put("chrome", chrome);
        for (int i = 0; i < pairs.length; i += 2) {
            params.put((String) pairs[i], pairs[i + 1]);
        }
        return params;
    }
}
