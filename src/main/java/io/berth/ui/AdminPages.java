package io.berth.ui;

import io.berth.auth.AccessAdmin;
import io.berth.auth.Principal;
import io.berth.config.ConfigLoader;
import io.berth.http.Exchange;
import io.berth.http.Response;
import io.berth.model.AuthRecords.AuditEntry;
import io.berth.model.AuthRecords.AuditQuery;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.registry.GarbageCollector;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admin pages: users (create, reset a password, disable and enable, as the API allows; there is no delete),
 * robot tokens (create with scopes, the secret shown once; list; revoke), the audit log with filters and keyset
 * pages, and garbage collection (a dry run's report first, then the run's). Users, audit and GC are the admin's;
 * tokens, as in the API, are any user's own and those of the namespaces they own. With access control off there are
 * no users, tokens or audit log (the API has none then): only garbage collection, open to all like the API's.
 */
final class AdminPages extends ManagementPage {
    /** Audit entries on one page. */
    static final int AUDIT_PAGE = 50;

    AdminPages(Services services) {
        super(services);
    }

    /** A page for the admin only; others get 403 (with a login link when nobody is logged in). */
    private Response adminOnly(Exchange ex, WebUi.Visitor visitor, java.util.function.Supplier<Response> page) {
        if (!permissions.isAdmin(visitor.principal())) {
            return forbidden(visitor, ex, "Only an admin may open this page.");
        }
        return page.get();
    }

    private Response forbidden(WebUi.Visitor visitor, Exchange ex, String message) {
        Map<String, Object> params = ManagementRoutes.params(ui.chrome(visitor, "Not allowed"), "message",
                message + (visitor.anonymous() && accessControl ? " Log in first." : ""), "login",
                visitor.anonymous() && accessControl ? "/login?next=" + WebUi.encode(ex.rawPath()) : null);
        return pages.render(403, "message.jte", params);
    }

    private Response withoutAccessControl(WebUi.Visitor visitor) {
        return ui.notFound(visitor, "Access control is off (auth.enabled: false): there are no users, robot tokens "
                + "or audit log.");
    }

    // ---- GET /admin

    Response index(Exchange ex, WebUi.Visitor visitor) {
        return adminOnly(ex, visitor, () -> pages.render(200, "admin/index.jte",
                ManagementRoutes.params(ui.chrome(visitor, "Admin"), "accessControl", accessControl)));
    }

    // ---- users

    Response users(Exchange ex, WebUi.Visitor visitor) {
        if (!accessControl) {
            return withoutAccessControl(visitor);
        }
        return adminOnly(ex, visitor, () -> usersPage(visitor, 200, null, null));
    }

    private Response usersPage(WebUi.Visitor visitor, int status, String error, String notice) {
        return pages.render(status, "admin/users.jte", ManagementRoutes.params(ui.chrome(visitor, "Users"),
                "users", admin.users(visitor.principal()), "error", error, "notice", notice));
    }

    /** An admin's change on the users page: a refusal re-renders it with the reason (others get the message). */
    @FunctionalInterface
    private interface UserChange {
        String apply(Principal principal);
    }

    private Response userChange(Exchange ex, WebUi.Visitor visitor, UserChange change) {
        if (!accessControl) {
            return withoutAccessControl(visitor);
        }
        String notice;
        try {
            notice = change.apply(visitor.principal());
        } catch (RegistryException e) {
            if (!permissions.isAdmin(visitor.principal())) {
                return ManagementRoutes.failed(ui, visitor, e);
            }
            return usersPage(visitor, e.code().status(), reason(e), null);
        }
        return usersPage(visitor, 200, null, notice);
    }

    Response createUser(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return userChange(ex, visitor, principal -> {
            String name = String.valueOf(form.get("name")).strip();
            admin.createUser(principal, name, String.valueOf(form.get("password")), "on".equals(form.get("admin")),
                    ex.source());
            return "User " + name + " created.";
        });
    }

    Response resetPassword(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return userChange(ex, visitor, principal -> {
            if (!principal.admin()) {
                // The API lets users change their own password too; this page is the admin's.
                throw new RegistryException(ErrorCode.DENIED, "only an admin may do this");
            }
            admin.changePassword(principal, ex.param("user"), String.valueOf(form.get("password")), ex.source());
            return "Password of " + ex.param("user") + " changed.";
        });
    }

    Response setDisabled(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return userChange(ex, visitor, principal -> {
            boolean disabled = "true".equals(form.get("disabled"));
            admin.setDisabled(principal, ex.param("user"), disabled, ex.source());
            return "User " + ex.param("user") + (disabled ? " disabled." : " enabled.");
        });
    }

    // ---- robot tokens: as the API, any logged-in user's own and those of the namespaces it owns

    /** Why the visitor may not use the tokens page (no access control, nobody logged in), or null. */
    private Response tokensRefused(Exchange ex, WebUi.Visitor visitor) {
        if (!accessControl) {
            return withoutAccessControl(visitor);
        }
        return visitor.anonymous() ? forbidden(visitor, ex, "Robot tokens are for logged-in users.") : null;
    }

    Response tokens(Exchange ex, WebUi.Visitor visitor) {
        Response refused = tokensRefused(ex, visitor);
        return refused != null ? refused : tokensPage(visitor, 200, null, null, null);
    }

    private Response tokensPage(WebUi.Visitor visitor, int status, String error, AccessAdmin.CreatedToken created,
                                Map<String, String> draft) {
        Principal principal = visitor.principal();
        List<String> namespaces = admin.namespaces(principal).stream().map(Namespace::name)
                .filter(n -> permissions.canManage(principal, n)).toList();
        return pages.render(status, "admin/tokens.jte", ManagementRoutes.params(ui.chrome(visitor, "Robot tokens"),
                "tokens", admin.tokens(principal), "namespaces", namespaces, "error", error, "created", created,
                "draft", draft == null ? Map.of() : draft, "now", Instant.now()));
    }

    /** The page that shows a token just created, and the cookie that carries its secret there once. */
    static final String CREATED_PATH = "/admin/tokens/created";
    private static final String CREATED_COOKIE = "berth_created_token";

    /** The token just created with its secret, once; afterwards (a reload) the list of tokens. */
    Response createdToken(Exchange ex, WebUi.Visitor visitor) {
        Response refused = tokensRefused(ex, visitor);
        if (refused != null) {
            return refused;
        }
        String value = WebUi.cookie(ex, CREATED_COOKIE);
        String text = value == null ? null : Sealed.open(visitor.session().sealKey(), value);
        int newline = text == null ? -1 : text.indexOf('\n');
        String id = newline < 0 ? null : text.substring(0, newline);
        RobotToken token = id == null ? null : admin.tokens(visitor.principal()).stream()
                .filter(t -> t.id().equals(id)).findFirst().orElse(null);
        Response page = token == null ? Pages.redirect("/admin/tokens")
                : tokensPage(visitor, 200, null, new AccessAdmin.CreatedToken(token, text.substring(newline + 1)), null);
        return page.header("Set-Cookie", WebUi.cookieHeader(ex, CREATED_COOKIE, "", 0, CREATED_PATH));
    }

    /** Creates a token and shows its secret this once (the response is not stored: Cache-Control no-store). */
    Response createToken(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        Response refused = tokensRefused(ex, visitor);
        if (refused != null) {
            return refused;
        }
        try {
            String namespace = blankToNull(form.get("namespace"));
            List<String> repositories = Arrays.stream(String.valueOf(form.get("repositories")).split("[,\\s]+"))
                    .filter(r -> !r.isEmpty()).toList();
            Set<String> actions = new LinkedHashSet<>();
            for (String action : List.of("pull", "push", "delete")) {
                if ("on".equals(form.get(action))) {
                    actions.add(action);
                }
            }
            AccessAdmin.CreatedToken created = admin.createToken(visitor.principal(),
                    String.valueOf(form.get("name")).strip(), namespace, repositories, actions,
                    validFor(form.get("expiresIn")), ex.source());
            // Post, redirect, get: the secret goes to the next page in a cookie sealed under this session's key
            // (never in a URL or a log), which that page clears; reloading it then creates and shows nothing.
            String sealed = Sealed.seal(visitor.session().sealKey(), created.token().id() + "\n" + created.secret());
            return Pages.redirect(CREATED_PATH).header("Set-Cookie",
                    WebUi.cookieHeader(ex, CREATED_COOKIE, sealed, 300, CREATED_PATH));
        } catch (RegistryException e) {
            return tokensPage(visitor, e.code().status(), reason(e), null,
                    form);
        }
    }

    /** As the API: a duration such as 90d, more than 0 and at most ten years; 90 days when empty. */
    private static Duration validFor(String text) {
        Duration validFor;
        try {
            validFor = ConfigLoader.parseDuration(text == null || text.isBlank() ? "90d" : text.strip());
        } catch (RuntimeException e) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, "expiry must be a duration such as 30d, 12h or 90m");
        }
        if (validFor.isNegative() || validFor.isZero() || validFor.compareTo(Duration.ofDays(3650)) > 0) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, "expiry must be more than 0 and at most 3650d");
        }
        return validFor;
    }

    Response revokeToken(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        Response refused = tokensRefused(ex, visitor);
        if (refused != null) {
            return refused;
        }
        try {
            admin.revokeToken(visitor.principal(), ex.param("id"), ex.source());
        } catch (RegistryException e) {
            return tokensPage(visitor, e.code().status(), reason(e), null,
                    null);
        }
        return Pages.redirect("/admin/tokens");
    }

    // ---- GET /admin/audit?actor=&action=&target=&from=&until=&before=<millis>:<id>

    Response audit(Exchange ex, WebUi.Visitor visitor) {
        if (!accessControl) {
            return withoutAccessControl(visitor);
        }
        return adminOnly(ex, visitor, () -> {
            Map<String, String> filters = new LinkedHashMap<>();
            for (String field : List.of("actor", "action", "target", "from", "until")) {
                String value = ex.query(field);
                filters.put(field, value == null ? "" : value.strip());
            }
            String error = null;
            Instant from = null;
            Instant until = null;
            try {
                from = instant(filters.get("from"), false);
                until = instant(filters.get("until"), true);
            } catch (DateTimeParseException e) {
                error = "Give times as 2026-12-07 or 2026-12-07T14:30 (UTC).";
            }
            Instant beforeAt = null;
            String beforeId = null;
            String before = ex.query("before");
            if (before != null && before.matches("[0-9]{1,19}:[A-Za-z0-9]{1,64}")) {
                beforeAt = Instant.ofEpochMilli(Long.parseLong(before.substring(0, before.indexOf(':'))));
                beforeId = before.substring(before.indexOf(':') + 1);
            }
            AuditQuery query = new AuditQuery(blankToNull(filters.get("actor")), blankToNull(filters.get("action")),
                    blankToNull(filters.get("target")), from, until, beforeAt, beforeId);
            List<AuditEntry> entries = error != null ? List.of()
                    : admin.auditLog(visitor.principal(), query, AUDIT_PAGE + 1);
            String next = null;
            if (entries.size() > AUDIT_PAGE) {
                entries = entries.subList(0, AUDIT_PAGE);
                AuditEntry last = entries.get(AUDIT_PAGE - 1);
                StringBuilder link = new StringBuilder("/admin/audit?");
                filters.forEach((field, value) -> {
                    if (!value.isEmpty()) {
                        link.append(field).append('=').append(WebUi.encode(value)).append('&');
                    }
                });
                next = link.append("before=").append(last.at().toEpochMilli()).append(':').append(last.id()).toString();
            }
            return pages.render(error == null ? 200 : 400, "admin/audit.jte",
                    ManagementRoutes.params(ui.chrome(visitor, "Audit log"), "entries", entries, "filters", filters,
                            "next", next, "first", beforeAt != null, "error", error));
        });
    }

    /** A day (its start, or with end its end) or a minute in UTC; null when empty. */
    private static Instant instant(String text, boolean end) {
        if (text.isEmpty()) {
            return null;
        }
        if (text.length() == 10) {
            LocalDate day = LocalDate.parse(text);
            return (end ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        String local = text.endsWith("Z") ? text.substring(0, text.length() - 1) : text;
        return LocalDateTime.parse(local).toInstant(ZoneOffset.UTC);
    }

    // ---- garbage collection: GET shows the settings and the dry-run button; POST dryRun=true|false runs it

    Response gc(Exchange ex, WebUi.Visitor visitor) {
        return adminOnly(ex, visitor, () -> gcPage(visitor, null));
    }

    private Response gcPage(WebUi.Visitor visitor, GarbageCollector.Report report) {
        GarbageCollector.Settings settings = lifecycle.gcSettings();
        return pages.render(200, "admin/gc.jte", ManagementRoutes.params(ui.chrome(visitor, "Garbage collection"),
                "settings", settings, "grace", duration(settings.grace()), "window", duration(settings.historyWindow()),
                "report", report));
    }

    /** A duration as the configuration writes it: 30d, 24h, 90m, 45s, 0s. */
    static String duration(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds != 0 && seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds != 0 && seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        return seconds != 0 && seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }

    Response collect(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return adminOnly(ex, visitor, () -> {
            boolean dryRun = "true".equals(form.get("dryRun"));
            GarbageCollector.Report report = lifecycle.collect(dryRun);
            if (!dryRun) {
                audit.audit(visitor.principal().name(), "gc.run", null, ex.source(), report.ran()
                        ? "manifests " + report.manifestsDeleted() + ", blob links " + report.linksRemoved()
                        + ", blobs " + report.blobsDeleted() + ", bytes freed " + report.bytesFreed()
                        : "not run: another node holds the GC lease");
            }
            return gcPage(visitor, report);
        });
    }
}
