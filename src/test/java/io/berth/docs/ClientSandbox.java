package io.berth.docs;

import io.berth.testing.ContainerClients;
import io.berth.testing.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The environment the docs' docker, podman and skopeo commands run in, as the real-client tests set it up (see
 * REAL-CLIENTS.md): podman and skopeo with vfs storage and config files in the sandbox, and a private containerd and
 * dockerd (vfs, no iptables, no bridge) on sockets in the sandbox, with no insecure registry configured, so that the
 * docs' claim that docker trusts 127.0.0.0/8 on its own is what is tested. close() ends the daemons by PID.
 */
final class ClientSandbox implements AutoCloseable {
    private final Path root;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private ServerProcess containerd;
    private ServerProcess dockerd;

    ClientSandbox(Path root) {
        this.root = root;
        environment.putAll(ContainerClients.writeConfigs(root));
        // podman and skopeo find their logins under XDG_RUNTIME_DIR as well; REGISTRY_AUTH_FILE would also be read by
        // the docs' docker-registry, which takes every REGISTRY_* variable for a configuration key.
        environment.remove("REGISTRY_AUTH_FILE");
        environment.put("XDG_RUNTIME_DIR", root.resolve("run").toString());
        write(root.resolve("run/containers/auth.json"), "{\"auths\":{}}\n");
        write(root.resolve("docker-cli/config.json"), "{}\n"); // podman reads DOCKER_CONFIG too, and needs the file
        write(root.resolve("config/registries.conf"), "unqualified-search-registries = []\n");
        write(root.resolve("config/daemon.json"), "{\"log-level\": \"info\"}\n");
    }

    /** The variables every docs command runs with. */
    Map<String, String> environment() {
        return environment;
    }

    /** Starts containerd and dockerd, once. */
    void startDocker() {
        if (dockerd != null) {
            return;
        }
        containerd = ServerProcess.start(ContainerClients.containerdCommand("containerd", root),
                root.resolve("logs/containerd.log"));
        dockerd = ServerProcess.start(ContainerClients.dockerdCommand("dockerd", root), root.resolve("logs/dockerd.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!dockerd.isAlive()) {
                throw new AssertionError("dockerd exited during start-up:\n" + dockerd.logText());
            }
            if (dockerVersionAnswers()) {
                return;
            }
            sleep();
        }
        throw new AssertionError("dockerd not ready within 30 s:\n" + dockerd.logText());
    }

    private boolean dockerVersionAnswers() {
        ProcessBuilder builder = new ProcessBuilder("docker", "version").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment);
        try {
            Process p = builder.start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (dockerd != null) {
            dockerd.close();
        }
        if (containerd != null) {
            containerd.close();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
