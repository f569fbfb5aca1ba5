package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How tests run podman, buildah, skopeo and a private containerd and dockerd on a machine without a Docker engine of
 * its own (REAL-CLIENTS.md): config files in a folder of the test's, vfs storage, daemons on sockets in that folder.
 * registries.conf and daemon.json are the caller's to write (they name the registries to trust).
 */
public final class ContainerClients {
    private ContainerClients() {}

    /**
     * Writes storage.conf (vfs), containers.conf, an empty auth.json and containerd.toml under root/config, and returns
     * the variables that point the clients at them (registries.conf at root/config/registries.conf, docker at
     * root/docker.sock with its CLI config in root/docker-cli).
     */
    public static Map<String, String> writeConfigs(Path root) {
        Path config = root.resolve("config");
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
        try {
            Files.createDirectories(root.resolve("docker-cli"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("CONTAINERS_REGISTRIES_CONF", config.resolve("registries.conf").toString());
        environment.put("CONTAINERS_STORAGE_CONF", config.resolve("storage.conf").toString());
        environment.put("CONTAINERS_CONF", config.resolve("containers.conf").toString());
        environment.put("REGISTRY_AUTH_FILE", config.resolve("auth.json").toString());
        environment.put("DOCKER_HOST", "unix://" + root.resolve("docker.sock"));
        environment.put("DOCKER_CONFIG", root.resolve("docker-cli").toString());
        return environment;
    }

    public static Path containerdSocket(Path root) {
        return root.resolve("containerd/containerd.sock");
    }

    /** containerd on the config writeConfigs wrote. */
    public static List<String> containerdCommand(String binary, Path root) {
        return List.of(binary, "--config", root.resolve("config/containerd.toml").toString());
    }

    /** dockerd (vfs, no iptables, no bridge) on root/docker.sock, that containerd and root/config/daemon.json. */
    public static List<String> dockerdCommand(String binary, Path root) {
        Path docker = root.resolve("docker");
        return List.of(binary,
                "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs",
                "--data-root", docker.resolve("data").toString(),
                "--exec-root", docker.resolve("exec").toString(),
                "--pidfile", docker.resolve("docker.pid").toString(),
                "-H", "unix://" + root.resolve("docker.sock"),
                "--config-file", root.resolve("config/daemon.json").toString(),
                "--containerd", containerdSocket(root).toString());
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
