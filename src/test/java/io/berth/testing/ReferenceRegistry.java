package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The reference registry, CNCF Distribution 2.8 (Debian's docker-registry), on a free loopback port with
 * filesystem storage and deletes enabled. Tests run against it too, to prove they test the protocol.
 */
public final class ReferenceRegistry implements RegistryUnderTest {
    public static final String BINARY = "/usr/bin/docker-registry";

    private final ServerProcess process;
    private final int port;
    private final Path rootDirectory;

    private ReferenceRegistry(ServerProcess process, int port) {
        this(process, port, null);
    }

    private ReferenceRegistry(ServerProcess process, int port, Path rootDirectory) {
        this.process = process;
        this.port = port;
        this.rootDirectory = rootDirectory;
    }

    public static boolean installed() {
        return Files.isExecutable(Path.of(BINARY));
    }

    public static ReferenceRegistry start() {
        try {
            Path dir = Files.createTempDirectory("reference-registry-");
            int port = Ports.freePort();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, """
                    version: 0.1
                    log: {level: info, accesslog: {disabled: false}}
                    storage:
                      filesystem: {rootdirectory: %s}
                      delete: {enabled: true}
                      maintenance: {uploadpurging: {enabled: false}}
                    http:
                      addr: 127.0.0.1:%d
                      headers: {X-Content-Type-Options: [nosniff]}
                    """.formatted(dir.resolve("data"), port));
            ServerProcess process = ServerProcess.start(List.of(BINARY, "serve", config.toString()), dir.resolve("registry.log"));
            process.awaitReady(URI.create("http://127.0.0.1:" + port + "/v2/"), Duration.ofSeconds(30));
            return new ReferenceRegistry(process, port, dir.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its filesystem storage's rootdirectory (which holds docker/registry/v2), e.g. to import it elsewhere. */
    public Path rootDirectory() {
        return rootDirectory;
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    @Override
    public boolean supports(Feature feature) {
        return false;
    }

    @Override
    public void close() {
        process.close();
    }
}
