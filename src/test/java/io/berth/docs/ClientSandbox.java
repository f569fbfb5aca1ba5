package io.berth.docs;

import io.berth.testing.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
        Path config = root.resolve("config");
        write(config.resolve("registries.conf"), "unqualified-search-registries = []\n");
        write(config.resolve("storage.conf"), """
                [storage]
                driver = "vfs"
                graphroot = "%s"
                runroot = "%s"
                """.formatted(root.resolve("containers/storage"), root.resolve("containers/run")));
        write(config.resolve("containers.conf"), """
                [engine]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                tmp_dir = "%s"
                """.formatted(root.resolve("containers/tmp")));
        write(config.resolve("auth.json"), "{\"auths\":{}}\n");
        write(config.resolve("daemon.json"), "{\"log-level\": \"info\"}\n");
        write(config.resolve("containerd.toml"), """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", \
                "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
                [grpc]
                  address = "%1$s/containerd.sock"
                [ttrpc]
                  address = "%1$s/containerd.sock.ttrpc"
                [debug]
                  address = "%1$s/debug.sock"
                [metrics]
                  address = ""
                """.formatted(root.resolve("containerd")));
        environment.put("CONTAINERS_REGISTRIES_CONF", config.resolve("registries.conf").toString());
        environment.put("CONTAINERS_STORAGE_CONF", config.resolve("storage.conf").toString());
        environment.put("CONTAINERS_CONF", config.resolve("containers.conf").toString());
        environment.put("REGISTRY_AUTH_FILE", config.resolve("auth.json").toString());
        environment.put("DOCKER_HOST", "unix://" + root.resolve("docker.sock"));
        environment.put("DOCKER_CONFIG", root.resolve("docker-cli").toString());
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
        containerd = ServerProcess.start(List.of("containerd", "--config", root.resolve("config/containerd.toml").toString()),
                root.resolve("logs/containerd.log"));
        Path docker = root.resolve("docker");
        dockerd = ServerProcess.start(List.of("dockerd",
                "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs",
                "--data-root", docker.resolve("data").toString(),
                "--exec-root", docker.resolve("exec").toString(),
                "--pidfile", docker.resolve("docker.pid").toString(),
                "-H", environment.get("DOCKER_HOST"),
                "--config-file", root.resolve("config/daemon.json").toString(),
                "--containerd", root.resolve("containerd/containerd.sock").toString()), root.resolve("logs/dockerd.log"));
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
