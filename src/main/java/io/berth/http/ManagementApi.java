package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.AccessAdmin;
import io.berth.auth.Principal;
import io.berth.config.ConfigLoader;
import io.berth.metadata.AuthRecords.AuditEntry;
import io.berth.metadata.AuthRecords.Member;
import io.berth.metadata.AuthRecords.Namespace;
import io.berth.metadata.AuthRecords.Role;
import io.berth.metadata.AuthRecords.RobotToken;
import io.berth.metadata.AuthRecords.User;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON management API under /api/v1 (the web UI and scripts use it). Every operation goes through
 * {@link AccessAdmin}, which checks permissions and writes the audit log; this class only translates JSON.
 */
public final class ManagementApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AccessAdmin admin;

    public ManagementApi(AccessAdmin admin) {
        this.admin = admin;
    }

    private static Outcome withJson(ManagementJson.Handler handler) {
        return ManagementJson.body(handler);
    }

    private static RegistryException invalid(String message) {
        return ManagementJson.invalid(message);
    }

    private static String text(JsonNode body, String field, boolean required) {
        return ManagementJson.text(body, field, required);
    }

    private static boolean bool(JsonNode body, String field) {
        return ManagementJson.bool(body, field);
    }

    private static Response ok(JsonNode node) {
        return Response.status(200).json(node.toString());
    }

    private static Principal actor(Exchange ex) {
        return ex.principal();
    }

    Outcome me(Exchange ex) {
        Principal p = actor(ex);
        ObjectNode node = JSON.createObjectNode();
        node.put("name", p.name());
        node.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
        node.put("admin", p.admin());
        return ok(node);
    }

    // ---- users

    Outcome listUsers(Exchange ex) {
        ArrayNode list = JSON.createArrayNode();
        for (User u : admin.users(actor(ex))) {
            list.add(user(u));
        }
        return ok(list);
    }

    private static ObjectNode user(User u) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", u.name());
        node.put("admin", u.admin());
        node.put("disabled", u.disabled());
        node.put("createdAt", u.createdAt().toString());
        return node;
    }

    Outcome createUser(Exchange ex) {
        return withJson(body -> {
            User u = admin.createUser(actor(ex), text(body, "name", true), text(body, "password", true),
                    bool(body, "admin"), ex.source());
            return Response.status(201).json(user(u).toString());
        });
    }

    Outcome changePassword(Exchange ex) {
        return withJson(body -> {
            admin.changePassword(actor(ex), ex.param("user"), text(body, "password", true), ex.source());
            return Response.status(204);
        });
    }

    Outcome setDisabled(Exchange ex) {
        return withJson(body -> {
            admin.setDisabled(actor(ex), ex.param("user"), bool(body, "disabled"), ex.source());
            return Response.status(204);
        });
    }

    // ---- namespaces

    Outcome listNamespaces(Exchange ex) {
        ArrayNode list = JSON.createArrayNode();
        for (Namespace n : admin.namespaces(actor(ex))) {
            list.add(namespace(n));
        }
        return ok(list);
    }

    private static ObjectNode namespace(Namespace n) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", n.name());
        node.put("public", n.isPublic());
        node.put("createdBy", n.createdBy());
        node.put("createdAt", n.createdAt().toString());
        return node;
    }

    Outcome createNamespace(Exchange ex) {
        return withJson(body -> {
            Namespace n = admin.createNamespace(actor(ex), text(body, "name", true), bool(body, "public"),
                    text(body, "owner", false), ex.source());
            return Response.status(201).json(namespace(n).toString());
        });
    }

    Outcome publish(Exchange ex) {
        return withJson(body -> {
            admin.publish(actor(ex), ex.param("namespace"), bool(body, "public"), ex.source());
            return Response.status(204);
        });
    }

    Outcome members(Exchange ex) {
        ArrayNode list = JSON.createArrayNode();
        for (Member m : admin.members(actor(ex), ex.param("namespace"))) {
            ObjectNode node = list.addObject();
            node.put("user", m.username());
            node.put("role", m.role().label());
        }
        return ok(list);
    }

    Outcome grant(Exchange ex) {
        return withJson(body -> {
            Role role;
            try {
                role = Role.parse(text(body, "role", true));
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            admin.grant(actor(ex), ex.param("namespace"), ex.param("user"), role, ex.source());
            return Response.status(204);
        });
    }

    Outcome revoke(Exchange ex) {
        admin.revoke(actor(ex), ex.param("namespace"), ex.param("user"), ex.source());
        return Response.status(204);
    }

    // ---- tokens

    Outcome listTokens(Exchange ex) {
        ArrayNode list = JSON.createArrayNode();
        for (RobotToken t : admin.tokens(actor(ex))) {
            list.add(token(t));
        }
        return ok(list);
    }

    static ObjectNode token(RobotToken t) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", t.id());
        node.put("name", t.name());
        node.put("createdBy", t.createdBy());
        node.put("namespace", t.namespace());
        t.repositories().forEach(node.putArray("repositories")::add);
        t.actions().forEach(node.putArray("actions")::add);
        node.put("createdAt", t.createdAt().toString());
        node.put("expiresAt", t.expiresAt() == null ? null : t.expiresAt().toString());
        node.put("revokedAt", t.revokedAt() == null ? null : t.revokedAt().toString());
        node.put("lastUsedAt", t.lastUsedAt() == null ? null : t.lastUsedAt().toString());
        return node;
    }

    Outcome createToken(Exchange ex) {
        return withJson(body -> {
            List<String> repositories = new ArrayList<>();
            Set<String> actions = new LinkedHashSet<>();
            JsonNode repos = body.get("repositories");
            JsonNode acts = body.get("actions");
            if (repos == null || !repos.isArray() || acts == null || !acts.isArray()) {
                throw invalid("fields 'repositories' and 'actions' must be arrays of strings");
            }
            repos.forEach(r -> repositories.add(r.asText()));
            acts.forEach(a -> actions.add(a.asText()));
            String expires = text(body, "expiresIn", false);
            Duration validFor;
            try {
                validFor = ConfigLoader.parseDuration(expires == null ? "90d" : expires);
            } catch (RuntimeException e) {
                throw invalid("expiresIn: " + e.getMessage());
            }
            AccessAdmin.CreatedToken created = admin.createToken(actor(ex), text(body, "name", true),
                    text(body, "namespace", false), repositories, actions, validFor, ex.source());
            ObjectNode node = token(created.token());
            node.put("secret", created.secret());
            return Response.status(201).json(node.toString());
        });
    }

    Outcome revokeToken(Exchange ex) {
        admin.revokeToken(actor(ex), ex.param("id"), ex.source());
        return Response.status(204);
    }

    // ---- audit

    Outcome audit(Exchange ex) {
        int limit = 100;
        String n = ex.query("n");
        if (n != null) {
            try {
                limit = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                throw invalid("n must be a number");
            }
        }
        ArrayNode list = JSON.createArrayNode();
        for (AuditEntry entry : admin.auditLog(actor(ex), limit)) {
            ObjectNode node = list.addObject();
            node.put("at", entry.at().toString());
            node.put("actor", entry.actor());
            node.put("action", entry.action());
            node.put("target", entry.target());
            node.put("source", entry.source());
            node.put("detail", entry.detail());
            node.put("count", entry.count());
        }
        return ok(list);
    }
}
