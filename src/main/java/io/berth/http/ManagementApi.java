package io.berth.http;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.AccessAdmin;
import io.berth.auth.AccessPolicy;
import io.berth.auth.Principal;
import io.berth.config.ConfigLoader;
import io.berth.model.AuthRecords.AuditEntry;
import io.berth.model.AuthRecords.Member;
import io.berth.model.AuthRecords.Namespace;
import io.berth.model.AuthRecords.Role;
import io.berth.model.AuthRecords.RobotToken;
import io.berth.model.AuthRecords.User;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;

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

    private static RegistryException invalid(String message) {
        return ManagementJson.invalid(message);
    }

    // ---- request bodies: each field typed and checked (ManagementJson binds them strictly)

    /** A password as set: at least Passwords.MIN_LENGTH characters, at most 72 bytes (bcrypt's limit). */
    private static String checkedPassword(String password) {
        ManagementJson.required(password, "password");
        int bytes = password.getBytes(StandardCharsets.UTF_8).length;
        if (password.length() < io.berth.auth.Passwords.MIN_LENGTH || bytes > 72) {
            throw ManagementJson.field("password", "must have at least " + io.berth.auth.Passwords.MIN_LENGTH
                    + " characters and at most 72 bytes");
        }
        return password;
    }

    record NewUser(String name, String password, Boolean admin) {
        NewUser {
            ManagementJson.text(ManagementJson.required(name, "name"), "name", 64);
            checkedPassword(password);
        }
    }

    record PasswordChange(String password) {
        PasswordChange {
            checkedPassword(password);
        }
    }

    record DisabledChange(Boolean disabled) {
        DisabledChange {
            ManagementJson.required(disabled, "disabled");
        }
    }

    record NewNamespace(String name, @JsonProperty("public") Boolean isPublic, String owner) {
        NewNamespace {
            ManagementJson.text(ManagementJson.required(name, "name"), "name", 255);
            ManagementJson.text(owner, "owner", 64);
        }
    }

    record Publication(@JsonProperty("public") Boolean isPublic) {
        Publication {
            ManagementJson.required(isPublic, "public");
        }
    }

    record Membership(Role role) {
        @JsonCreator
        static Membership of(@JsonProperty("role") String role) {
            // Exactly one of the labels: a body is a program's, so "OWNER" or "owner " is a mistake, not a role.
            for (Role known : Role.values()) {
                if (known.label().equals(ManagementJson.required(role, "role"))) {
                    return new Membership(known);
                }
            }
            throw ManagementJson.field("role", "must be one of reader, writer, maintainer, owner");
        }
    }

    record NewToken(String name, String namespace, List<String> repositories, List<String> actions, String expiresIn) {
        NewToken {
            ManagementJson.text(ManagementJson.required(name, "name"), "name", 128);
            ManagementJson.text(namespace, "namespace", 255);
            repositories = ManagementJson.strings(ManagementJson.required(repositories, "repositories"), "repositories",
                    100, 255);
            actions = ManagementJson.strings(ManagementJson.required(actions, "actions"), "actions", 3, 16);
            for (int i = 0; i < actions.size(); i++) {
                if (!AccessPolicy.ALL.contains(actions.get(i))) {
                    throw ManagementJson.field("actions[" + i + "]", "must be pull, push or delete");
                }
            }
            ManagementJson.text(expiresIn, "expiresIn", 32);
        }

        /** At most ten years: an expiry far beyond that is a typo, and the instant arithmetic must not overflow. */
        Duration validFor() {
            Duration validFor;
            try {
                validFor = ConfigLoader.parseDuration(expiresIn == null ? "90d" : expiresIn);
            } catch (RuntimeException e) {
                throw ManagementJson.field("expiresIn", "must be a duration such as 30d, 12h or 90m");
            }
            if (validFor.isNegative() || validFor.isZero() || validFor.compareTo(Duration.ofDays(3650)) > 0) {
                throw ManagementJson.field("expiresIn", "must be more than 0 and at most 3650d");
            }
            return validFor;
        }
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
        return ManagementJson.body(NewUser.class, body -> {
            User u = admin.createUser(actor(ex), body.name(), body.password(), Boolean.TRUE.equals(body.admin()),
                    ex.source());
            return Response.status(201).json(user(u).toString());
        });
    }

    Outcome changePassword(Exchange ex) {
        return ManagementJson.body(PasswordChange.class, body -> {
            admin.changePassword(actor(ex), ex.param("user"), body.password(), ex.source());
            return Response.status(204);
        });
    }

    Outcome setDisabled(Exchange ex) {
        return ManagementJson.body(DisabledChange.class, body -> {
            admin.setDisabled(actor(ex), ex.param("user"), body.disabled(), ex.source());
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
        return ManagementJson.body(NewNamespace.class, body -> {
            Namespace n = admin.createNamespace(actor(ex), body.name(), Boolean.TRUE.equals(body.isPublic()),
                    body.owner(), ex.source());
            return Response.status(201).json(namespace(n).toString());
        });
    }

    Outcome publish(Exchange ex) {
        return ManagementJson.body(Publication.class, body -> {
            admin.publish(actor(ex), ex.param("namespace"), body.isPublic(), ex.source());
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
        return ManagementJson.body(Membership.class, body -> {
            admin.grant(actor(ex), ex.param("namespace"), ex.param("user"), body.role(), ex.source());
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
        return ManagementJson.body(NewToken.class, body -> {
            AccessAdmin.CreatedToken created = admin.createToken(actor(ex), body.name(), body.namespace(),
                    body.repositories(), new LinkedHashSet<>(body.actions()), body.validFor(), ex.source());
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
                throw invalid("query parameter 'n' must be a whole number from 1 to 10000");
            }
            if (limit < 1 || limit > 10_000) {
                throw invalid("query parameter 'n' must be a whole number from 1 to 10000");
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
