package io.berth.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.Started;
import io.berth.testing.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * A private registry: the real server with access control on, driven over HTTP as docker and containerd drive it.
 * Each "must never happen" case of the private-registry issue is a test here.
 */
@Timeout(60)
class AccessControlTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";

    @RegisterExtension
    static final Started<BerthServer> server = Started.by(() -> BerthServer.with().auth(ADMIN_PASSWORD).start());

    @BeforeAll
    static void start() {
        // Set up through the management API (one JVM start per command line call would cost seconds each).
        api("POST", "/api/v1/namespaces", "{\"name\":\"team-a\"}");
        api("POST", "/api/v1/namespaces", "{\"name\":\"team-b\"}");
        api("POST", "/api/v1/namespaces", "{\"name\":\"public-ns\",\"public\":true}");
        for (String user : List.of("alice", "bob", "carol")) {
            addUser(user);
        }
        grant("team-a", "alice", "writer");
        grant("team-b", "bob", "reader");
        grant("team-b", "carol", "owner");
        // Content every test can read: team-a/app:v1, team-b/private:v1, public-ns/app:v1, pushed by the admin.
        String admin = token("admin", ADMIN_PASSWORD, "repository:team-a/app:pull,push", "repository:team-b/private:pull,push",
                "repository:public-ns/app:pull,push");
        pushImage(admin, "team-a/app", "v1", "team-a layer");
        pushImage(admin, "team-b/private", "v1", "team-b secret layer");
        pushImage(admin, "public-ns/app", "v1", "public layer");
    }

    private static String cli(String... args) {
        return BerthServer.runCli(server.get().dataDir(), args);
    }

    /** A management API call as the admin; fails unless it succeeds. */
    private static Response api(String method, String path, String json) {
        Response r = send(method, path, basic("admin", ADMIN_PASSWORD), json == null ? null : json.getBytes(StandardCharsets.UTF_8),
                json == null ? null : "application/json");
        assertThat(r.status()).as(method + " " + path + ": " + r.text()).isBetween(200, 299);
        return r;
    }

    private static void addUser(String name) {
        api("POST", "/api/v1/users", "{\"name\":\"" + name + "\",\"password\":\"" + name + "-password\"}");
    }

    private static void grant(String namespace, String user, String role) {
        api("PUT", "/api/v1/namespaces/" + namespace + "/members/" + user, "{\"role\":\"" + role + "\"}");
    }

    private static Response send(String method, String path, String authorization, byte[] body, String contentType) {
        return server.get().api().send(method, path, body, "Authorization", authorization, "Content-Type", contentType);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Response tokenReply(String user, String password, String... scopes) {
        StringBuilder query = new StringBuilder("/auth/token?service=berth");
        for (String scope : scopes) {
            query.append("&scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        }
        return send("GET", query.toString(), user == null ? null : basic(user, password), null, null);
    }

    private static String token(String user, String password, String... scopes) {
        Response reply = tokenReply(user, password, scopes);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return "Bearer " + reply.json().get("token").asText();
    }

    private static Digest pushBlob(String auth, String repo, byte[] content) {
        Digest digest = Digest.sha256(content);
        Response r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, auth, content, "application/octet-stream");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return digest;
    }

    private static String manifest(Digest config, int configSize, Digest layer, int layerSize, String extra) {
        return """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]%s}"""
                .formatted(config, configSize, layer, layerSize, extra);
    }

    /** Pushes a one-layer image and returns its manifest digest. */
    private static Digest pushImage(String auth, String repo, String tag, String layerText) {
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = layerText.getBytes(StandardCharsets.UTF_8);
        Digest c = pushBlob(auth, repo, config);
        Digest l = pushBlob(auth, repo, layer);
        byte[] m = manifest(c, config.length, l, layer.length, "").getBytes(StandardCharsets.UTF_8);
        Response r = send("PUT", "/v2/" + repo + "/manifests/" + tag, auth, m, "application/vnd.oci.image.manifest.v1+json");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return Digest.sha256(m);
    }

    private static void assertChallenge(Response r, String scope) {
        assertThat(r.status()).as(r.text()).isEqualTo(401);
        assertThat(r.errorCode()).isEqualTo("UNAUTHORIZED");
        String challenge = r.header("WWW-Authenticate");
        assertThat(challenge).startsWith("Bearer realm=\"http://" + server.get().hostPort() + "/auth/token\",service=\"berth\"");
        if (scope != null) {
            assertThat(challenge).contains("scope=\"" + scope + "\"");
        }
    }

    // ---- protocol

    @Test
    void anonymousBaseRequestIsChallengedSoDockerLoginChecksThePassword() {
        assertChallenge(send("GET", "/v2/", null, null, null), null);
    }

    @Test
    void dockerLoginGetsATokenAndARefreshTokenForCorrectCredentialsOnly() {
        Response ok = send("GET", "/auth/token?service=berth&account=alice&offline_token=true&client_id=docker", basic("alice", "alice-password"), null, null);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("token").asText()).isEqualTo(ok.json().get("access_token").asText());
        assertThat(ok.json().get("expires_in").asInt()).isGreaterThanOrEqualTo(60);
        assertThat(ok.json().has("issued_at")).isTrue();
        assertThat(ok.json().get("refresh_token").asText()).isNotBlank();
        Response bad = send("GET", "/auth/token?service=berth&offline_token=true", basic("alice", "wrong"), null, null);
        assertThat(bad.status()).isEqualTo(401);
        assertThat(send("GET", "/v2/", "Bearer " + ok.json().get("token").asText(), null, null).status()).isEqualTo(200);
        assertThat(tokenReply("alice", "alice-password").json().has("refresh_token")).isFalse();
    }

    @Test
    void containerdPasswordGrantAndDockerRefreshGrantBothIssueScopedTokens() {
        String form = "grant_type=password&username=alice&password=alice-password&service=berth&client_id=containerd"
                + "&access_type=offline&scope=" + URLEncoder.encode("repository:team-a/app:pull", StandardCharsets.UTF_8);
        Response password = send("POST", "/auth/token", null, form.getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded");
        assertThat(password.status()).as(password.text()).isEqualTo(200);
        String refresh = password.json().get("refresh_token").asText();
        Response refreshed = send("POST", "/auth/token", null, ("grant_type=refresh_token&service=berth&refresh_token="
                + URLEncoder.encode(refresh, StandardCharsets.UTF_8) + "&scope="
                + URLEncoder.encode("repository:team-a/app:pull,push", StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded");
        assertThat(refreshed.status()).as(refreshed.text()).isEqualTo(200);
        String bearer = "Bearer " + refreshed.json().get("access_token").asText();
        assertThat(send("GET", "/v2/team-a/app/manifests/v1", bearer, null, null).status()).isEqualTo(200);
        Response forged = send("POST", "/auth/token", null, ("grant_type=refresh_token&refresh_token=" + refresh.substring(0, 17) + "x")
                .getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded");
        assertThat(forged.status()).isEqualTo(401);
    }

    @Test
    void anonymousTokenRequestsGetPublicPullOnly() {
        String anonymous = token(null, null, "repository:public-ns/app:pull,push", "repository:team-a/app:pull");
        assertThat(send("GET", "/v2/public-ns/app/manifests/v1", anonymous, null, null).status()).isEqualTo(200);
        assertChallenge(send("GET", "/v2/team-a/app/manifests/v1", anonymous, null, null), "repository:team-a/app:pull");
        assertChallenge(send("POST", "/v2/public-ns/app/blobs/uploads/", anonymous, null, null), "repository:public-ns/app:pull,push");
    }

    @Test
    void starActionGrantsEveryActionTheCallerHolds() {
        Response r = tokenReply("alice", "alice-password", "repository:team-a/app:*");
        assertThat(r.status()).isEqualTo(200);
        SignedJWT jwt = parse(r.json().get("token").asText());
        assertThat(jwt.getPayload().toString()).contains("\"pull\"").contains("\"push\"").doesNotContain("\"delete\"");
    }

    @Test
    void basicCredentialsOnV2WorkForClientsThatSendThemDirectly() {
        assertThat(send("GET", "/v2/team-a/app/tags/list", basic("alice", "alice-password"), null, null).status()).isEqualTo(200);
        assertThat(send("GET", "/v2/team-b/private/tags/list", basic("alice", "alice-password"), null, null).status()).isEqualTo(403);
    }

    // ---- must never happen

    @Test
    void tokenForRepositoryAIsRefusedOnRepositoryB() {
        String forA = token("bob", "bob-password", "repository:team-b/private:pull");
        Response r = send("GET", "/v2/team-a/app/manifests/v1", forA, null, null);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).doesNotContain("team-a layer");
        String adminForB = token("admin", ADMIN_PASSWORD, "repository:team-b/private:pull");
        assertChallenge(send("GET", "/v2/team-a/app/manifests/v1", adminForB, null, null), "repository:team-a/app:pull");
    }

    @Test
    void pullTokenCannotPush() {
        String pull = token("alice", "alice-password", "repository:team-a/app:pull");
        Response r = send("POST", "/v2/team-a/app/blobs/uploads/", pull, null, null);
        assertChallenge(r, "repository:team-a/app:pull,push");
        assertThat(r.header("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
    }

    @Test
    void readerAskingForPushGetsPullOnlyAndAPushIsDenied() {
        Response r = tokenReply("bob", "bob-password", "repository:team-b/private:pull,push,delete");
        assertThat(parse(r.json().get("token").asText()).getPayload().toString()).contains("\"pull\"").doesNotContain("\"push\"");
        Response push = send("POST", "/v2/team-b/private/blobs/uploads/", "Bearer " + r.json().get("token").asText(), null, null);
        assertThat(push.status()).isEqualTo(403);
        assertThat(push.errorCode()).isEqualTo("DENIED");
    }

    @Test
    void expiredTokenIsRefused() throws Exception {
        Response r = send("GET", "/v2/team-a/app/manifests/v1", "Bearer " + ownSignedToken("alice",
                Instant.now().minusSeconds(600), "team-a/app"), null, null);
        assertChallenge(r, null);
        assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }

    @Test
    void aTokenThatWorkedIsRefusedOnceItExpires() throws Exception {
        // Verified tokens are kept (the signature check is costly); their time is checked on every use.
        Instant expires = Instant.now().plusSeconds(1);
        String token = "Bearer " + ownSignedToken("alice", expires, "team-a/app");
        assertThat(send("GET", "/v2/team-a/app/manifests/v1", token, null, null).status()).isEqualTo(200);
        assertThat(send("GET", "/v2/team-a/app/manifests/v1", token, null, null).status()).isEqualTo(200);
        // Berth allows 5 s of clock skew past the expiry.
        Thread.sleep(java.time.Duration.between(Instant.now(), expires.plusSeconds(6)).toMillis());
        Response r = send("GET", "/v2/team-a/app/manifests/v1", token, null, null);
        assertChallenge(r, null);
        assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }

    @Test
    void tamperedUnsignedAndForeignKeyTokensAreRefused() throws Exception {
        String good = ownSignedToken("alice", Instant.now().plusSeconds(300), "team-a/app");
        assertThat(send("GET", "/v2/team-a/app/manifests/v1", "Bearer " + good, null, null).status()).isEqualTo(200);
        String[] parts = good.split("\\.");
        String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(new String(
                Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("team-a/app", "team-b/private")
                .getBytes(StandardCharsets.UTF_8));
        String changedClaims = parts[0] + "." + otherPayload + "." + parts[2];
        String changedSignature = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
        JWTClaimsSet claims = SignedJWT.parse(good).getJWTClaimsSet();
        String none = new PlainJWT(claims).serialize();
        ECKey other = new ECKeyGenerator(Curve.P_256).keyID(ownKey().getKeyID()).generate();
        SignedJWT foreign = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(other.getKeyID()).build(), claims);
        foreign.sign(new ECDSASigner(other));
        for (String bad : List.of(changedClaims, changedSignature, none, foreign.serialize(), "garbage")) {
            Response r = send("GET", "/v2/team-b/private/manifests/v1", "Bearer " + bad, null, null);
            assertThat(r.status()).as(bad).isEqualTo(401);
            assertThat(r.text()).doesNotContain("secret");
        }
    }

    @Test
    void disabledUsersOldTokenStopsWorking() {
        addUser("dave");
        grant("team-a", "dave", "reader");
        String old = token("dave", "dave-password", "repository:team-a/app:pull");
        assertThat(send("GET", "/v2/team-a/app/manifests/v1", old, null, null).status()).isEqualTo(200);
        cli("user", "disable", "dave");
        assertThat(send("GET", "/v2/team-a/app/manifests/v1", old, null, null).status()).isEqualTo(401);
        assertThat(tokenReply("dave", "dave-password").status()).isEqualTo(401);
    }

    @Test
    void robotTokenWorksAsAPasswordWithinItsPatternsUntilItExpiresOrIsRevoked() throws Exception {
        String out = cli("token", "create", "--name", "ci", "--namespace", "team-a", "--repo", "team-a/*",
                "--actions", "pull,push", "--expires", "3s");
        String secret = out.substring(out.indexOf("berth_")).trim();
        String robot = token("ci", secret, "repository:team-a/app:pull,push", "repository:team-b/private:pull");
        assertThat(send("POST", "/v2/team-a/app/blobs/uploads/", robot, null, null).status()).isEqualTo(202);
        assertThat(send("GET", "/v2/team-b/private/manifests/v1", robot, null, null).status()).isEqualTo(403);
        assertThat(send("GET", "/v2/team-a/app/tags/list", basic("anything", secret), null, null).status()).isEqualTo(200);
        Thread.sleep(3500);
        assertThat(tokenReply("ci", secret).status()).isEqualTo(401);
        assertThat(send("GET", "/v2/team-a/app/manifests/v1", robot, null, null).status()).isEqualTo(401);

        String out2 = cli("token", "create", "--name", "ci2", "--namespace", "team-a", "--repo", "team-a/app",
                "--actions", "pull", "--expires", "1h");
        String secret2 = out2.substring(out2.indexOf("berth_")).trim();
        String id2 = secret2.substring("berth_".length(), "berth_".length() + 16);
        assertThat(tokenReply("ci2", secret2).status()).isEqualTo(200);
        cli("token", "revoke", id2);
        assertThat(tokenReply("ci2", secret2).status()).isEqualTo(401);
        assertThat(cli("token", "list")).contains("ci2").contains("revoked");
    }

    @Test
    void anonymousCannotReadAPrivateRepository() {
        Digest layer = Digest.sha256("team-b secret layer".getBytes(StandardCharsets.UTF_8));
        for (String path : List.of("/v2/team-b/private/tags/list", "/v2/team-b/private/manifests/v1",
                "/v2/team-b/private/blobs/" + layer, "/v2/team-b/private/referrers/" + layer)) {
            Response r = send("GET", path, null, null, null);
            assertChallenge(r, "repository:team-b/private:pull");
            assertThat(r.text()).doesNotContain("secret layer").doesNotContain("v1");
        }
    }

    @Test
    void blobIsNotReadableThroughARepositoryItWasNeverPushedOrMountedInto() {
        Digest layer = Digest.sha256("team-b secret layer".getBytes(StandardCharsets.UTF_8));
        String admin = token("admin", ADMIN_PASSWORD, "repository:team-a/app:pull");
        Response r = send("GET", "/v2/team-a/app/blobs/" + layer, admin, null, null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("BLOB_UNKNOWN");
    }

    @Test
    void mountFromAnUnreadableRepositoryFallsBackToAnUpload() {
        Digest secret = Digest.sha256("team-b secret layer".getBytes(StandardCharsets.UTF_8));
        String alice = token("alice", "alice-password", "repository:team-a/app:pull,push", "repository:team-b/private:pull");
        Response named = send("POST", "/v2/team-a/app/blobs/uploads/?mount=" + secret + "&from=team-b/private", alice, null, null);
        assertThat(named.status()).isEqualTo(202);
        Response automatic = send("POST", "/v2/team-a/app/blobs/uploads/?mount=" + secret, alice, null, null);
        assertThat(automatic.status()).isEqualTo(202);
        assertThat(send("HEAD", "/v2/team-a/app/blobs/" + secret, alice, null, null).status()).isEqualTo(404);

        // A readable source mounts when the token names it, as docker's token request for a mount does.
        Digest shared = Digest.sha256("public layer".getBytes(StandardCharsets.UTF_8));
        String aliceMounting = token("alice", "alice-password", "repository:team-a/app:pull,push",
                "repository:public-ns/app:pull");
        Response readable = send("POST", "/v2/team-a/app/blobs/uploads/?mount=" + shared + "&from=public-ns/app", aliceMounting,
                null, null);
        assertThat(readable.status()).isEqualTo(201);
    }

    // ---- namespaces

    @Test
    void pushIntoAMissingNamespaceIsDeniedExceptForAnAdminWhosePushCreatesIt() {
        String alice = token("alice", "alice-password", "repository:nowhere/app:pull,push");
        Response denied = send("POST", "/v2/nowhere/app/blobs/uploads/", alice, null, null);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.errorCode()).isEqualTo("DENIED");
        String admin = token("admin", ADMIN_PASSWORD, "repository:created-by-push/app:pull,push");
        pushImage(admin, "created-by-push/app", "v1", "admin layer");
        assertThat(api("GET", "/api/v1/namespaces", null).text()).contains("created-by-push");
    }

    @Test
    void onlyAdminsPushToLibrary() {
        api("POST", "/api/v1/namespaces", "{\"name\":\"library\"}");
        grant("library", "alice", "maintainer");
        String alice = token("alice", "alice-password", "repository:busybox:pull,push");
        assertThat(send("POST", "/v2/busybox/blobs/uploads/", alice, null, null).status()).isEqualTo(403);
        String admin = token("admin", ADMIN_PASSWORD, "repository:busybox:pull,push");
        assertThat(send("POST", "/v2/busybox/blobs/uploads/", admin, null, null).status()).isEqualTo(202);
    }

    @Test
    void catalogListsOnlyWhatTheCallerMayPull() {
        assertChallenge(send("GET", "/v2/_catalog", null, null, null), "registry:catalog:*");
        String bob = token("bob", "bob-password", "registry:catalog:*");
        JsonNode repos = send("GET", "/v2/_catalog", bob, null, null).json().get("repositories");
        assertThat(repos.toString()).contains("team-b/private").contains("public-ns/app").doesNotContain("team-a/app");
        String admin = token("admin", ADMIN_PASSWORD, "registry:catalog:*");
        assertThat(send("GET", "/v2/_catalog", admin, null, null).text()).contains("team-a/app").contains("team-b/private");
    }

    @Test
    void deleteNeedsTheMaintainerRole() {
        String alice = token("alice", "alice-password", "repository:team-a/app:delete");
        assertThat(send("DELETE", "/v2/team-a/app/manifests/v1", alice, null, null).status()).isEqualTo(403);
    }

    // ---- management API and audit

    @Test
    void managementApiManagesUsersNamespacesMembersAndTokensWithPermissionChecks() {
        String admin = basic("admin", ADMIN_PASSWORD);
        Response user = send("POST", "/api/v1/users", admin, "{\"name\":\"frank\",\"password\":\"frank-password\"}".getBytes(), "application/json");
        assertThat(user.status()).as(user.text()).isEqualTo(201);
        assertThat(send("POST", "/api/v1/namespaces", admin, "{\"name\":\"team-f\",\"owner\":\"frank\"}".getBytes(), "application/json").status()).isEqualTo(201);
        String frank = basic("frank", "frank-password");
        assertThat(send("PUT", "/api/v1/namespaces/team-f/members/alice", frank, "{\"role\":\"reader\"}".getBytes(), "application/json").status()).isEqualTo(204);
        assertThat(send("GET", "/api/v1/namespaces/team-f/members", frank, null, null).text()).contains("alice").contains("reader");
        Response token = send("POST", "/api/v1/tokens", frank, "{\"name\":\"deploy\",\"namespace\":\"team-f\",\"repositories\":[\"team-f/*\"],\"actions\":[\"pull\"],\"expiresIn\":\"30d\"}".getBytes(), "application/json");
        assertThat(token.status()).as(token.text()).isEqualTo(201);
        assertThat(token.json().get("secret").asText()).startsWith("berth_");
        assertThat(send("GET", "/api/v1/tokens", frank, null, null).text()).contains("deploy").doesNotContain("berth_");
        Response notOwner = send("PUT", "/api/v1/namespaces/team-a/members/frank", frank, "{\"role\":\"owner\"}".getBytes(), "application/json");
        assertThat(notOwner.status()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/users", frank, null, null).status()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/users", null, null, null).status()).isEqualTo(401);
        Response audit = send("GET", "/api/v1/audit?n=500", admin, null, null);
        assertThat(audit.text()).contains("namespace.grant").contains("token.create").contains("user.create");
        assertThat(cli("audit", "--limit", "500")).contains("namespace.grant");
    }

    @Test
    void commandLineManagesUsersNamespacesAndMembersWhileTheServerRuns() {
        cli("user", "add", "cli-user", "--password", "cli-user-password");
        assertThat(cli("user", "list")).contains("cli-user");
        cli("namespace", "create", "cli-ns", "--owner", "cli-user");
        assertThat(cli("namespace", "members", "cli-ns")).contains("cli-user").contains("owner");
        cli("namespace", "grant", "cli-ns", "bob", "writer");
        String bob = token("bob", "bob-password", "repository:cli-ns/app:pull,push");
        assertThat(send("POST", "/v2/cli-ns/app/blobs/uploads/", bob, null, null).status()).isEqualTo(202);
        cli("namespace", "revoke", "cli-ns", "bob");
        assertThat(send("POST", "/v2/cli-ns/app/blobs/uploads/", bob, null, null).status()).isEqualTo(403);
        assertThat(send("GET", "/v2/cli-ns/app/tags/list", null, null, null).status()).isEqualTo(401);
        cli("namespace", "publish", "cli-ns");
        assertThat(send("GET", "/v2/cli-ns/app/tags/list", token(null, null, "repository:cli-ns/app:pull"), null, null).status())
                .isEqualTo(200);
        cli("user", "passwd", "cli-user", "--password", "new-cli-password");
        assertThat(tokenReply("cli-user", "cli-user-password").status()).isEqualTo(401);
        assertThat(tokenReply("cli-user", "new-cli-password").status()).isEqualTo(200);
    }

    @Test
    void repeatedFailedLoginsAreRateLimited() {
        addUser("mallory-target");
        int last = 0;
        for (int i = 0; i < 12; i++) {
            last = tokenReply("mallory-target", "guess-" + i).status();
        }
        assertThat(last).isEqualTo(429);
        assertThat(tokenReply("mallory-target", "mallory-target-password").status()).isEqualTo(429);
    }

    @Test
    void htpasswdBcryptEntriesImport() throws Exception {
        Path file = Files.createTempFile("htpasswd", "");
        Files.writeString(file, "imported:" + Passwords.hash("imported-password").replace("$2a$", "$2y$") + "\n");
        assertThat(cli("user", "import-htpasswd", file.toString())).contains("imported 1 users");
        assertThat(tokenReply("imported", "imported-password").status()).isEqualTo(200);
    }

    // ---- helpers for hand-made tokens

    private static ECKey ownKey() throws Exception {
        return (ECKey) JWK.parse(Files.readString(server.get().dataDir().resolve("auth").resolve("token-key.json")));
    }

    private static String ownSignedToken(String subject, Instant expires, String repository) throws Exception {
        ECKey key = ownKey();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("berth").subject(subject).audience("berth")
                .issueTime(Date.from(expires.minusSeconds(300))).expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString())
                .claim("access", List.of(Map.of("type", "repository", "name", repository, "actions", List.of("pull"))))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static SignedJWT parse(String token) {
        try {
            return SignedJWT.parse(token);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
