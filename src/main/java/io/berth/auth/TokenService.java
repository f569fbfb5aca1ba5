package io.berth.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.berth.config.BerthConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Issues and verifies the short-lived ES256 JWTs of the Docker token protocol. Claims: iss, sub, aud (the service),
 * iat, nbf, exp, jti, and {@code access: [{type, name, actions}]}. Optionally trusts tokens of an external issuer
 * whose public keys are given as a JWK set file.
 */
public final class TokenService {
    private final ECKey signingKey;
    private final ECDSASigner signer;
    private final JWSVerifier ownVerifier;
    private final String issuer;
    private final String service;
    private final Duration ttl;
    private final Clock clock;
    private final External external;

    /** An external issuer whose tokens Berth accepts, as CNCF Distribution's token auth does. */
    public record External(String issuer, String audience, JWKSet keys) {}

    /** What a verified token says. external is true for tokens of the external issuer. */
    public record Verified(String subject, List<Scope> access, Instant expiresAt, Instant notBefore, boolean external) {}

    public record Issued(String token, int expiresIn, Instant issuedAt) {}

    public TokenService(ECKey signingKey, String issuer, String service, Duration ttl, Clock clock, External external) {
        try {
            this.signingKey = signingKey;
            this.signer = new ECDSASigner(signingKey);
            this.ownVerifier = new ECDSAVerifier(signingKey.toPublicJWK());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable token signing key", e);
        }
        this.issuer = issuer;
        this.service = service;
        this.ttl = ttl.compareTo(Duration.ofSeconds(60)) < 0 ? Duration.ofSeconds(60) : ttl;
        this.clock = clock;
        this.external = external;
    }

    public String service() {
        return service;
    }

    /** The signing key file a configuration names: auth.keyFile, else {@code <data>/auth/token-key.json}. */
    public static Path keyFile(BerthConfig config) {
        String configured = config.auth().keyFile();
        return configured == null || configured.isBlank()
                ? config.data().resolve("auth").resolve("token-key.json") : Path.of(configured);
    }

    /** Reads the signing key (a JWK JSON file), or makes a new P-256 key there, readable by the owner only. */
    public static ECKey loadOrCreateKey(Path file) throws IOException {
        if (Files.exists(file)) {
            try {
                JWK jwk = JWK.parse(Files.readString(file));
                if (!(jwk instanceof ECKey ec) || !ec.isPrivate()) {
                    throw new IOException(file + " does not hold a private EC key (JWK)");
                }
                return ec;
            } catch (ParseException e) {
                throw new IOException(file + " is not a JWK: " + e.getMessage(), e);
            }
        }
        return writeNewKey(file, true);
    }

    /**
     * Makes a new P-256 signing key (its key id is its JWK thumbprint) and writes it to file as a private JWK, 0600,
     * through a temporary file renamed into place. Without replace, an existing file is an error and stays as it is.
     */
    public static ECKey writeNewKey(Path file, boolean replace) throws IOException {
        if (!replace && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "a signing key exists there");
        }
        ECKey key;
        try {
            key = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new IOException("cannot generate a signing key", e);
        }
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        PrivateFiles.createFileIfMissing(temp);
        Files.writeString(temp, key.toJSONString(), StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        if (replace) {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            return key;
        }
        // A link fails when the name exists, where a rename would replace it: no key made meanwhile is lost.
        try {
            Files.createLink(file, temp);
            Files.delete(temp);
        } catch (UnsupportedOperationException e) {
            Files.move(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
        return key;
    }

    public static JWKSet loadKeySet(Path file) throws IOException {
        try {
            return JWKSet.load(file.toFile());
        } catch (ParseException e) {
            throw new IOException(file + " is not a JWK set: " + e.getMessage(), e);
        }
    }

    public Issued issue(Principal principal, List<Scope> access) {
        Instant now = clock.instant();
        List<Map<String, Object>> claims = new ArrayList<>();
        for (Scope scope : access) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", scope.type());
            entry.put("name", scope.name());
            entry.put("actions", new ArrayList<>(scope.actions()));
            claims.add(entry);
        }
        JWTClaimsSet set = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(principal.subject())
                .audience(service)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(Passwords.randomSecret(12))
                .claim("access", claims)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                .keyID(signingKey.getKeyID()).build(), set);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return new Issued(jwt.serialize(), (int) ttl.toSeconds(), now);
    }

    /** Tokens kept after their checks: at most this many. */
    private static final int VERIFIED_KEPT = 4096;

    /**
     * Tokens whose signature, issuer and audience were checked, by their exact text, least recently used first.
     * A token's text fixes all three, so only its time is checked again; the ECDSA check was nine tenths of the
     * CPU of a manifest request with token auth. Guarded by itself.
     */
    private final Map<String, Verified> verified = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
            return size() > VERIFIED_KEPT;
        }
    };

    /** The claims of a valid token (signature, algorithm, issuer, audience, time), or empty. */
    public Optional<Verified> verify(String token) {
        Verified known;
        synchronized (verified) {
            known = verified.get(token);
        }
        if (known != null) {
            return current(known) ? Optional.of(known) : Optional.empty();
        }
        Optional<Verified> checked = check(token).filter(this::current);
        checked.ifPresent(v -> {
            synchronized (verified) {
                verified.put(token, v);
            }
        });
        return checked;
    }

    /** Whether a token is within its time, allowing 5 s of clock skew either way. */
    private boolean current(Verified token) {
        Instant now = clock.instant();
        return now.isBefore(token.expiresAt().plusSeconds(5)) && !now.isBefore(token.notBefore().minusSeconds(5));
    }

    /** The claims of a token whose signature, algorithm, issuer and audience check out, or empty; time unchecked. */
    private Optional<Verified> check(String token) {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return Optional.empty();
        }
        boolean own = issuer.equals(claims.getIssuer());
        boolean fromExternal = external != null && external.issuer().equals(claims.getIssuer()) && !own;
        if (!own && !fromExternal) {
            return Optional.empty();
        }
        try {
            JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
            if (own) {
                if (!JWSAlgorithm.ES256.equals(alg) || !jwt.verify(ownVerifier)) {
                    return Optional.empty();
                }
            } else if (!verifyExternal(jwt)) {
                return Optional.empty();
            }
        } catch (JOSEException | IllegalStateException e) {
            return Optional.empty();
        }
        String audience = own ? service : external.audience();
        if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
            return Optional.empty();
        }
        Date exp = claims.getExpirationTime();
        Date nbf = claims.getNotBeforeTime();
        if (exp == null) {
            return Optional.empty();
        }
        return Optional.of(new Verified(claims.getSubject(), access(claims), exp.toInstant(),
                nbf == null ? Instant.EPOCH : nbf.toInstant(), fromExternal));
    }

    private boolean verifyExternal(SignedJWT jwt) throws JOSEException {
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        for (JWK key : external.keys().getKeys()) {
            if (jwt.getHeader().getKeyID() != null && key.getKeyID() != null
                    && !key.getKeyID().equals(jwt.getHeader().getKeyID())) {
                continue;
            }
            JWSVerifier verifier;
            if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
                verifier = new ECDSAVerifier(ec.toPublicJWK());
            } else if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(alg)) {
                verifier = new RSASSAVerifier(rsa.toPublicJWK());
            } else {
                continue;
            }
            if (jwt.verify(verifier)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static List<Scope> access(JWTClaimsSet claims) {
        List<Scope> scopes = new ArrayList<>();
        Object access = claims.getClaim("access");
        if (!(access instanceof List<?> list)) {
            return scopes;
        }
        for (Object item : list) {
            if (item instanceof Map<?, ?> map && map.get("type") instanceof String type && map.get("name") instanceof String name
                    && map.get("actions") instanceof List<?> actions) {
                Set<String> set = new LinkedHashSet<>();
                for (Object a : actions) {
                    if (a instanceof String s) {
                        set.add(s);
                    }
                }
                scopes.add(new Scope(type, name, set));
            }
        }
        return scopes;
    }
}
