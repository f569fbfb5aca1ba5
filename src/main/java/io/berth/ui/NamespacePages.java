package io.berth.ui;

import io.berth.auth.Passwords;
import io.berth.auth.Principal;
import io.berth.auth.Scope;
import io.berth.config.ByteSize;
import io.berth.config.ConfigException;
import io.berth.http.Exchange;
import io.berth.http.Response;
import io.berth.model.AuthRecords.Member;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.Role;
import io.berth.model.Listings.NamespaceUsage;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Page;
import io.berth.model.RetentionRule;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.registry.Policies;
import io.berth.registry.Retention;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A namespace's page and its changes: members and roles, public or private, immutable-tag rules, retention rules
 * (a new rule is previewed before it is saved; a run is rehearsed before it is made), quota and usage; and the
 * promotion of a tag, posted from the tag history page. A namespace the visitor may not read is not found (404), as
 * the API answers; a change the visitor may not make is refused (403) by the same check the API makes.
 */
final class NamespacePages extends ManagementPage {
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
    /** 1 EiB, as the API's limit. */
    private static final long MAX_QUOTA = 1L << 60;
    private static final int REPOSITORIES = 100;

    NamespacePages(Services services) {
        super(services);
    }

    static String path(String namespace) {
        return "/ns/" + namespace;
    }

    // ---- GET /ns: the namespaces the visitor sees (with access control off: those holding repositories)

    Response list(Exchange ex, WebUi.Visitor visitor) {
        Principal principal = visitor.principal();
        List<NamespaceUsage> usage = listing.usage(namespace -> permissions.canRead(principal, namespace));
        List<Namespace> namespaces = accessControl ? admin.namespaces(principal) : List.of();
        return pages.render(200, "namespaces.jte", ManagementRoutes.params(ui.chrome(visitor, "Namespaces"),
                "namespaces", namespaces, "usage", usage, "accessControl", accessControl,
                "mayCreate", accessControl && principal.admin()));
    }

    // ---- POST /ns (name, public, owner): admin

    Response create(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        if (!accessControl) {
            return ui.notFound(visitor, "With access control off, a namespace is the first part of a repository's "
                    + "name: push to create one.");
        }
        String owner = blankToNull(form.get("owner"));
        try {
            Namespace created = admin.createNamespace(visitor.principal(), String.valueOf(form.get("name")).strip(),
                    "on".equals(form.get("public")), owner, ex.source());
            return Pages.redirect(path(created.name()));
        } catch (RegistryException e) {
            return ManagementRoutes.failed(ui, visitor, e);
        }
    }

    // ---- GET /ns/<ns>

    Response page(Exchange ex, WebUi.Visitor visitor) {
        String namespace = readable(ex, visitor);
        if (namespace == null) {
            return hidden(ex, visitor);
        }
        return render(visitor, namespace, 200, null, null, null, null, null);
    }

    /** The path's namespace if the visitor may read it (as the API's requireReader), else null. */
    private String readable(Exchange ex, WebUi.Visitor visitor) {
        String namespace = ex.param("namespace");
        if (!NAMESPACE.matcher(namespace).matches() || !permissions.canRead(visitor.principal(), namespace)) {
            return null;
        }
        // With access control on a namespace is made by an admin; the admin may read any name, but only one made
        // has a page. With it off every valid name is a namespace (quotas and rules may precede the first push).
        if (accessControl && admin.namespaces(visitor.principal()).stream().noneMatch(n -> n.name().equals(namespace))) {
            return null;
        }
        return namespace;
    }

    /** 404 as the API answers a namespace the caller may not read: it learns nothing, not even that it exists. */
    private Response hidden(Exchange ex, WebUi.Visitor visitor) {
        return ui.notFound(visitor, "There is no namespace " + ex.param("namespace") + (visitor.anonymous()
                && accessControl ? " you can see; log in to see more." : "."));
    }

    private Response render(WebUi.Visitor visitor, String namespace, int status, String error,
                            NamespaceView.RetentionDraft draft, List<Retention.Removal> preview,
                            List<Retention.Removal> dryRun, Retention.ListedRun removed) {
        Principal principal = visitor.principal();
        Boolean isPublic = null;
        List<Member> members = null;
        if (accessControl) {
            isPublic = admin.namespaces(principal).stream().filter(n -> n.name().equals(namespace))
                    .map(Namespace::isPublic).findFirst().orElse(false);
            if (permissions.isMember(principal, namespace) && principal.kind() != Principal.Kind.ROBOT) {
                members = admin.members(principal, namespace);
            }
        }
        Page<RepositorySummary> repositories = listing.repositories(namespace, null, REPOSITORIES,
                repository -> permissions.may(principal, repository, Scope.PULL));
        NamespaceView view = new NamespaceView(namespace, isPublic, members, repositories.items(), repositories.more(),
                lifecycle.immutableRules(namespace), lifecycle.retentionRules(namespace), lifecycle.usage(namespace),
                lifecycle.quota(namespace).orElse(null), permissions.canManage(principal, namespace),
                permissions.isAdmin(principal), error, draft == null ? NamespaceView.RetentionDraft.EMPTY : draft,
                preview, dryRun, removed);
        return pages.render(status, "namespace.jte", ManagementRoutes.params(ui.chrome(visitor, "Namespace " + namespace),
                "ns", view, "accessControl", accessControl));
    }

    /** A change to the path's namespace; a refusal re-renders its page with the reason and the API's status. */
    @FunctionalInterface
    private interface Change {
        void apply(String namespace, Principal principal);
    }

    private Response change(Exchange ex, WebUi.Visitor visitor, Change change) {
        String namespace = readable(ex, visitor);
        if (namespace == null) {
            return hidden(ex, visitor);
        }
        try {
            change.apply(namespace, visitor.principal());
        } catch (RegistryException e) {
            return render(visitor, namespace, e.code().status(), reason(e),
                    null, null, null, null);
        }
        return Pages.redirect(path(namespace));
    }

    private void requireManager(Principal principal, String namespace) {
        if (!permissions.canManage(principal, namespace)) {
            throw new RegistryException(ErrorCode.DENIED, "only an admin or an owner of " + namespace + " may do this");
        }
    }

    private void requireAdmin(Principal principal) {
        if (!permissions.isAdmin(principal)) {
            throw new RegistryException(ErrorCode.DENIED, "only an admin may do this");
        }
    }

    private void requireAccessControl() {
        if (!accessControl) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "access control is off: there are no members or "
                    + "private namespaces");
        }
    }

    /** The audit entry the API's audit filter writes for the same change. */
    private void audited(Exchange ex, Principal principal, String action, String target, String detail) {
        audit.audit(principal.name(), action, target, ex.source(), detail);
    }

    // ---- members, visibility: AccessAdmin checks and audits them

    Response publish(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return change(ex, visitor, (namespace, principal) -> {
            requireAccessControl();
            admin.publish(principal, namespace, "true".equals(form.get("public")), ex.source());
        });
    }

    Response grant(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return change(ex, visitor, (namespace, principal) -> {
            requireAccessControl();
            Role role;
            try {
                role = Role.parse(String.valueOf(form.get("role")));
            } catch (IllegalArgumentException e) {
                throw new RegistryException(ErrorCode.INVALID_REQUEST, e.getMessage());
            }
            admin.grant(principal, namespace, String.valueOf(form.get("user")).strip(), role, ex.source());
        });
    }

    Response revoke(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return change(ex, visitor, (namespace, principal) -> {
            requireAccessControl();
            admin.revoke(principal, namespace, String.valueOf(form.get("user")), ex.source());
        });
    }

    // ---- immutable rules: owners add, only the admin lifts

    Response addImmutable(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return change(ex, visitor, (namespace, principal) -> {
            requireManager(principal, namespace);
            String pattern = checkedPattern(form.get("pattern"), "pattern");
            lifecycle.addImmutableRule(namespace, pattern, principal.name());
            audited(ex, principal, "immutable.add", namespace, "pattern " + pattern);
        });
    }

    Response removeImmutable(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return change(ex, visitor, (namespace, principal) -> {
            requireAdmin(principal);
            String pattern = String.valueOf(form.get("pattern"));
            if (!lifecycle.removeImmutableRule(namespace, pattern)) {
                throw new RegistryException(ErrorCode.NOT_FOUND, "no immutable rule '" + pattern + "' in " + namespace);
            }
            audited(ex, principal, "immutable.remove", namespace, "pattern " + pattern);
        });
    }

    // ---- quota: the admin

    Response setQuota(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return change(ex, visitor, (namespace, principal) -> {
            requireAdmin(principal);
            String text = String.valueOf(form.get("quota")).strip();
            Long quota = null;
            if (!text.isEmpty() && !text.equals("none")) {
                try {
                    quota = ByteSize.parse(text).bytes();
                } catch (ConfigException e) {
                    throw new RegistryException(ErrorCode.INVALID_REQUEST, e.getMessage());
                }
                if (quota < 1 || quota > MAX_QUOTA) {
                    throw new RegistryException(ErrorCode.INVALID_REQUEST, "a quota is at least 1 byte and at most 1 EiB");
                }
            }
            lifecycle.setQuota(namespace, quota);
            audited(ex, principal, "quota.set", namespace, "quotaBytes " + quota);
        });
    }

    // ---- retention: preview a new rule, save it, remove one, rehearse and run

    Response addRetention(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        String namespace = readable(ex, visitor);
        if (namespace == null) {
            return hidden(ex, visitor);
        }
        Principal principal = visitor.principal();
        NamespaceView.RetentionDraft draft = new NamespaceView.RetentionDraft(text(form, "pattern"),
                text(form, "keepLast"), text(form, "maxAgeDays"), text(form, "keep"));
        try {
            requireManager(principal, namespace);
            RetentionRule rule = rule(namespace, draft, principal);
            if ("preview".equals(form.get("op"))) {
                return render(visitor, namespace, 200, null, draft, lifecycle.previewRetentionRule(rule), null, null);
            }
            lifecycle.addRetentionRule(rule);
            audited(ex, principal, "retention.add", namespace, "rule " + rule.id() + " pattern " + rule.pattern()
                    + (rule.keepLast() == null ? "" : " keepLast " + rule.keepLast())
                    + (rule.maxAgeDays() == null ? "" : " maxAgeDays " + rule.maxAgeDays())
                    + (rule.keepPatterns().isEmpty() ? "" : " keep " + rule.keepPatterns()));
        } catch (RegistryException e) {
            return render(visitor, namespace, e.code().status(), reason(e),
                    draft, null, null, null);
        }
        return Pages.redirect(path(namespace));
    }

    /** The rule the form describes, checked as the API checks a retention rule's body. */
    private static RetentionRule rule(String namespace, NamespaceView.RetentionDraft draft, Principal principal) {
        String pattern = checkedPattern(draft.pattern().isEmpty() ? "*" : draft.pattern(), "pattern");
        Integer keepLast = number(draft.keepLast(), "keep last", 100_000);
        Integer maxAgeDays = number(draft.maxAgeDays(), "maximum age in days", 36_500);
        if (keepLast == null && maxAgeDays == null) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, "give 'keep last' or 'maximum age in days' (or both)");
        }
        List<String> keep = Arrays.stream(draft.keep().split("[,\\s]+")).filter(k -> !k.isEmpty()).toList();
        if (keep.size() > 50) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, "at most 50 patterns to keep");
        }
        keep.forEach(k -> checkedPattern(k, "keep pattern '" + k + "'"));
        return new RetentionRule(Passwords.randomId(), namespace, pattern, keepLast, maxAgeDays, keep,
                principal.name(), Instant.now());
    }

    Response removeRetention(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        return change(ex, visitor, (namespace, principal) -> {
            requireManager(principal, namespace);
            String id = String.valueOf(form.get("id"));
            if (!lifecycle.removeRetentionRule(namespace, id)) {
                throw new RegistryException(ErrorCode.NOT_FOUND, "no retention rule " + id + " in " + namespace);
            }
            audited(ex, principal, "retention.remove", namespace + " rule " + id, null);
        });
    }

    /** dryRun=true: what the stored rules would remove now, with a button to run them; else the run. */
    Response runRetention(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        String namespace = readable(ex, visitor);
        if (namespace == null) {
            return hidden(ex, visitor);
        }
        Principal principal = visitor.principal();
        try {
            requireManager(principal, namespace);
            if ("true".equals(form.get("dryRun"))) {
                return render(visitor, namespace, 200, null, null, null,
                        lifecycle.runRetention(namespace, true, principal.name()), null);
            }
            Retention.ListedRun run = lifecycle.runRetentionListed(namespace, NamespaceView.parseShown(form.get("shown")),
                    principal.name());
            audited(ex, principal, "retention.run", namespace, run.removed().size() + " tags removed, "
                    + run.skipped().size() + " of the dry run kept");
            return render(visitor, namespace, 200, null, null, null, null, run);
        } catch (RegistryException e) {
            return render(visitor, namespace, e.code().status(), reason(e),
                    null, null, null, null);
        }
    }

    // ---- POST /r/<name>/-/tags/<tag>/promote (targetRepository, targetTag): pull on the source, push on the target

    Response promote(Exchange ex, WebUi.Visitor visitor, Map<String, String> form) {
        RepositoryName source = ui.allowed(ex, visitor, Scope.PULL);
        if (source == null) {
            return ui.refused(visitor, ex);
        }
        Tag tag;
        RepositoryName target;
        Tag targetTag;
        try {
            tag = new Tag(ex.param("tag"));
            String targetName = text(form, "targetRepository");
            target = targetName.isEmpty() ? source : new RepositoryName(targetName);
            targetTag = new Tag(text(form, "targetTag"));
        } catch (RuntimeException e) {
            return ui.message(visitor, 400, "Not promoted", "Give a valid repository name and tag to promote to.");
        }
        if (!permissions.may(visitor.principal(), target, Scope.PUSH)) {
            return ui.message(visitor, 403, "Not allowed", "You may not push to " + target + "; nothing was promoted.");
        }
        try {
            Digest digest = registry.promote(source, Reference.parse(tag.value()), target, targetTag,
                    visitor.principal().name());
            audited(ex, visitor.principal(), "tag.promote", target + ":" + targetTag, "from " + source + ":" + tag
                    + " " + digest);
        } catch (RegistryException e) {
            return ui.message(visitor, e.code().status(), "Not promoted", reason(e));
        }
        return Pages.redirect(TagPages.tagPath(target.value(), targetTag.value()));
    }

    // ---- form values

    private static String text(Map<String, String> form, String field) {
        String value = form.get(field);
        return value == null ? "" : value.strip();
    }

    private static String checkedPattern(String pattern, String field) {
        String problem = Policies.patternProblem(pattern);
        if (problem != null) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, field + " " + problem);
        }
        return pattern;
    }

    /** A whole number from 1 to max, or null when empty. */
    private static Integer number(String text, String field, int max) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= 1 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new RegistryException(ErrorCode.INVALID_REQUEST, "'" + field + "' must be a whole number from 1 to " + max);
    }
}
