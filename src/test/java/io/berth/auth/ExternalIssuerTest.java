package io.berth.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.berth.testing.BerthServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Berth behind an existing identity system: tokens of a configured external issuer (RS256, JWK set file) are trusted. */
class ExternalIssuerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String token(RSAKey key, String issuer, String audience, String repository, List<String> actions)
            throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject("ci-system").audience(audience)
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .claim("access", List.of(Map.of("type", "repository", "name", repository, "actions", actions))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static int status(String base, String method, String path, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    @Timeout(60)
    void tokensOfTheConfiguredIssuerGrantExactlyTheirAccessClaim() throws Exception {
        RSAKey trusted = new RSAKeyGenerator(2048).keyID("corp-1").generate();
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("corp-1").generate();
        Path data = BerthServer.newDataDir();
        Path dir = Files.createDirectories(data.getParent());
        Path jwks = Files.writeString(dir.resolve("corp.jwks"), new JWKSet(trusted.toPublicJWK()).toString());
        Path config = Files.writeString(dir.resolve("external.yaml"), """
                auth:
                  external:
                    issuer: https://sso.example.com
                    audience: registry.example.com
                    jwksFile: %s
                """.formatted(jwks));
        try (BerthServer server = BerthServer.startWithAuth(data, "admin-password-1", List.of("--config", config.toString()))) {
            String base = "http://" + server.hostPort();
            String push = token(trusted, "https://sso.example.com", "registry.example.com", "corp/app", List.of("pull", "push"));
            assertThat(status(base, "POST", "/v2/corp/app/blobs/uploads/", push)).isEqualTo(202);
            assertThat(status(base, "POST", "/v2/corp/other/blobs/uploads/", push)).isEqualTo(401);
            String pull = token(trusted, "https://sso.example.com", "registry.example.com", "corp/app", List.of("pull"));
            assertThat(status(base, "POST", "/v2/corp/app/blobs/uploads/", pull)).isEqualTo(401);
            String wrongAudience = token(trusted, "https://sso.example.com", "elsewhere", "corp/app", List.of("pull", "push"));
            assertThat(status(base, "POST", "/v2/corp/app/blobs/uploads/", wrongAudience)).isEqualTo(401);
            String forged = token(stranger, "https://sso.example.com", "registry.example.com", "corp/app", List.of("pull", "push"));
            assertThat(status(base, "POST", "/v2/corp/app/blobs/uploads/", forged)).isEqualTo(401);
        }
    }
}
