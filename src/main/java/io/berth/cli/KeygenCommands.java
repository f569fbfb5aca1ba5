package io.berth.cli;

import io.berth.auth.TokenService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** keygen and init: the token signing key and a starter configuration, made before the first start. */
final class KeygenCommands {
    private KeygenCommands() {}

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Write a new token signing key (a private EC P-256 JWK, mode 0600), the one Berth would make"
                    + " on its first start with access control on. Default: the configured auth.keyFile, else"
                    + " <data>/auth/token-key.json.")
    static final class Keygen implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Option(names = "--out", paramLabel = "FILE", description = "Where to write the key.")
        Path out;

        @Option(names = "--force", description = "Replace an existing key (tokens it signed stop verifying).")
        boolean force;

        @Override
        public Integer call() throws IOException {
            Path file;
            if (out != null) {
                file = out.toAbsolutePath().normalize();
                if (file.getParent() != null && !Files.isDirectory(file.getParent())) {
                    throw new IllegalArgumentException("no such directory " + file.getParent() + " (for --out " + out + ")");
                }
            } else {
                options.requireNamed(", --data DIR or --out FILE");
                file = TokenService.keyFile(options.load(Map.of())).toAbsolutePath().normalize();
            }
            String keyId = writeKey(file, force);
            System.out.println("wrote token signing key " + keyId + " to " + file);
            if (force) {
                System.out.println("tokens signed with a key it replaced no longer verify: restart every node with this one");
            }
            return 0;
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Write a starter configuration (DIR/berth.yaml: data directory, listen address, access control"
                    + " on; TLS and S3/PostgreSQL as comments) and the token signing key into its data directory."
                    + " Refuses to overwrite either.")
    static final class Init implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", arity = "0..1", defaultValue = ".", description = "Where berth.yaml goes. Default: the current directory.")
        Path dir;

        @Option(names = "--data", paramLabel = "DIR", description = "The data directory the configuration names. Default: DIR/data")
        Path data;

        @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:5000",
                description = "The address the configuration names. Default: ${DEFAULT-VALUE}")
        String listen;

        @Override
        public Integer call() throws IOException {
            Path base = dir.toAbsolutePath().normalize();
            Path config = base.resolve("berth.yaml");
            Path dataDir = (data != null ? data.toAbsolutePath() : base.resolve("data")).normalize();
            Path key = dataDir.resolve("auth").resolve("token-key.json");
            ServeCommand.parseAddress(listen);
            for (Path existing : new Path[] {config, key}) {
                if (Files.exists(existing)) {
                    throw new IllegalArgumentException(existing + " exists; init writes only new files (nothing written)");
                }
            }
            Files.createDirectories(base);
            String keyId = writeKey(key, false);
            Files.writeString(config, starterConfig(dataDir, listen), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            System.out.println("wrote " + config);
            System.out.println("wrote token signing key " + keyId + " to " + key);
            System.out.println();
            System.out.println("Next: start Berth with `berth serve --config " + config + "`; on its first start it"
                    + " creates the user admin with the password in BERTH_ADMIN_PASSWORD, or logs a generated one once."
                    + " Add users with `berth user add NAME --config " + config + "` or bring an htpasswd file's with"
                    + " `berth user import-htpasswd FILE --config " + config + "`. Turn on TLS in berth.yaml (or"
                    + " put a TLS proxy in front) before clients log in, and back up " + dataDir
                    + " with its signing key.");
            return 0;
        }
    }

    /** Writes a new signing key to file (replacing one only when replace) and returns its key id. */
    private static String writeKey(Path file, boolean replace) throws IOException {
        try {
            return TokenService.writeNewKey(file, replace).getKeyID();
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(file + " exists; keep that key (tokens it signed stay valid), or replace"
                    + " it with --force");
        }
    }

    static String starterConfig(Path data, String listen) {
        return """
                # Berth configuration, written by `berth init`. Every key and its default: docs/CONFIGURATION.md.
                # Environment variables (BERTH_AUTH_ENABLED=true, BERTH_METADATA_PASSWORD=...) override this file.

                # Blobs, the SQLite database and the token signing key (auth/token-key.json): back it up.
                data: %s

                http:
                  listen: %s
                  # externalUrl: https://registry.example.com   # the address clients use, behind a proxy
                  # TLS: serve HTTPS with a PEM certificate chain and its PKCS#8 key, or terminate TLS in front.
                  # tls:
                  #   certificate: /etc/berth/tls.crt
                  #   key: /etc/berth/tls.key

                auth:
                  enabled: true        # logins, namespaces with roles, robot tokens
                  # keyFile: /etc/berth/token-key.json   # several nodes share one key: make it with berth keygen --out

                # Scale out: blobs in an S3-compatible bucket and metadata in PostgreSQL, shared by several nodes.
                # storage:
                #   type: s3
                #   s3: {endpoint: "http://minio:9000", bucket: berth, pathStyle: true}  # BERTH_STORAGE_S3_ACCESS_KEY/_SECRET_KEY
                # metadata:
                #   url: jdbc:postgresql://db:5432/berth
                #   user: berth                                                            # BERTH_METADATA_PASSWORD
                """.formatted(yamlString(data.toString()), yamlString(listen));
    }

    /** A YAML double-quoted scalar. */
    private static String yamlString(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
