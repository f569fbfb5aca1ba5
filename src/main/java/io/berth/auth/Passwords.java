package io.berth.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * Password hashing with bcrypt (Spring Security's implementation, which also reads htpasswd's $2y$ entries), and
 * SHA-256 for high-entropy token secrets, which need no slow hash.
 */
public final class Passwords {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BCryptPasswordEncoder BCRYPT = new BCryptPasswordEncoder(10, RANDOM);
    public static final int MIN_LENGTH = 8;

    private Passwords() {}

    /**
     * The bcrypt hash of a new password. Refuses passwords that start with {@code berth_}: that prefix marks robot
     * tokens, which logins read as tokens, so such a password could fail to log in.
     */
    public static String hash(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("a password needs at least " + MIN_LENGTH + " characters");
        }
        if (password.startsWith(Authenticator.ROBOT_PREFIX)) {
            throw new IllegalArgumentException("a password may not start with '" + Authenticator.ROBOT_PREFIX
                    + "': that prefix marks robot tokens");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > 72) {
            throw new IllegalArgumentException("a password may have at most 72 bytes (bcrypt's limit)");
        }
        return BCRYPT.encode(password);
    }

    public static boolean matches(String password, String hash) {
        if (password == null || hash == null || !hash.startsWith("$2")
                || password.getBytes(StandardCharsets.UTF_8).length > 72) {
            return false;
        }
        return BCRYPT.matches(password, hash);
    }

    /** True for hashes Berth can check: bcrypt ($2a$, $2b$, $2y$), as htpasswd -B writes them. */
    public static boolean isSupportedHash(String hash) {
        return hash != null && hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
    }

    /** A random secret of the given number of bytes, URL-safe base64 without padding. */
    public static String randomSecret(int bytes) {
        byte[] buffer = new byte[bytes];
        RANDOM.nextBytes(buffer);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer);
    }

    public static String randomId() {
        byte[] buffer = new byte[8];
        RANDOM.nextBytes(buffer);
        return HexFormat.of().formatHex(buffer);
    }

    public static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of two hex hashes. */
    public static boolean sameHash(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}
