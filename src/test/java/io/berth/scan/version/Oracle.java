package io.berth.scan.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real tool that compares versions: one process is fed every pair ({@code a<TAB>b} per line on its standard input)
 * and answers one line per pair. A missing tool fails the test with what to install: ./run-tests installs them.
 */
final class Oracle {

    private Oracle() {
    }

    /** Fails unless {@code file} exists, naming the Debian package that brings it. */
    static void require(String file, String debianPackage) {
        assertTrue(Files.exists(Path.of(file)), file + " is missing: this oracle test needs the Debian package '"
                + debianPackage + "' (./run-tests installs it; apt-get install " + debianPackage + ")");
    }

    /** Runs {@code command}, feeds it the pairs, and returns its answer lines, one per pair. */
    static List<String> answers(List<String> command, List<String[]> pairs) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        // Own threads, not the common pool: with two cores it has one thread, and the two readers must run at once.
        CompletableFuture<String> err = new CompletableFuture<>();
        CompletableFuture<List<String>> out = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete(e.toString());
            }
        });
        Thread.ofPlatform().daemon().start(() -> {
            try {
                String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                out.complete(all.isEmpty() ? List.of() : List.of(all.split("\n")));
            } catch (IOException e) {
                out.completeExceptionally(e);
            }
        });
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8))) {
            for (String[] pair : pairs) {
                w.write(pair[0] + "\t" + pair[1] + "\n");
            }
        } catch (IOException e) {
            p.waitFor(10, TimeUnit.SECONDS);
            fail("oracle " + command.get(0) + " stopped reading its input (" + e + "): " + err.getNow(""));
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("oracle " + command.get(0) + " did not finish in 300 s");
        }
        List<String> lines = out.join();
        assertEquals(0, p.exitValue(), "oracle " + command + " failed: " + err.join());
        assertEquals(pairs.size(), lines.size(), "oracle answered " + lines.size() + " lines for " + pairs.size()
                + " pairs; stderr: " + err.join());
        return lines;
    }

    /** Compares each pair with {@code scheme} and collects every disagreement with the oracle's sign. */
    static List<String> disagreements(VersionScheme<?> scheme, List<String[]> pairs, List<String> answers) {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            int expected = Integer.signum(Integer.parseInt(answers.get(i).trim()));
            int actual = scheme.compare(pairs.get(i)[0], pairs.get(i)[1]);
            if (expected != actual) {
                wrong.add(pairs.get(i)[0] + " vs " + pairs.get(i)[1] + ": oracle " + expected + ", " + scheme + " "
                        + actual);
            }
        }
        return wrong;
    }
}
