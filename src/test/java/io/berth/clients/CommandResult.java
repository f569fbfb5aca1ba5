package io.berth.clients;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** What a client command did: its exit code, its exact stdout bytes and its stderr. */
record CommandResult(List<String> command, int exitCode, byte[] stdoutBytes, String stderr, Duration took) {

    public String stdout() {
        return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    /** stdout and stderr together, for matching progress lines whose stream varies between client versions. */
    public String output() {
        return stdout() + "\n" + stderr;
    }

    /** The last non-blank line of stdout, e.g. the image id that podman and buildah print. */
    public String lastLine() {
        List<String> lines = stdout().lines().filter(line -> !line.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.getLast().strip();
    }

    public String describe() {
        return "$ " + String.join(" ", command) + "\n(exit " + exitCode + " after " + took.toMillis() + " ms)\n"
                + "--- stdout ---\n" + stdout() + "\n--- stderr ---\n" + stderr;
    }
}
