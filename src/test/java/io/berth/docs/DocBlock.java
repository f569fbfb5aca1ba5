package io.berth.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One fenced block of a markdown page. The convention the docs follow (and {@link #parse} enforces):
 * <ul>
 *   <li>every fence names its language; commands a user may copy are in {@code ```sh} blocks, which the docs test
 *       runs;</li>
 *   <li>a command block that must not run here says why in its info string: {@code ```sh no-run: needs a Kubernetes
 *       cluster}; the test counts and lists them;</li>
 *   <li>{@code bash}, {@code shell} and {@code console} fences are refused, so no command hides from the test;</li>
 *   <li>a comment {@code # => text} after a command says what it prints; the test checks it (see {@link DocScript}).</li>
 * </ul>
 */
record DocBlock(Path file, int line, String language, String noRunReason, String text) {
    private static final Pattern FENCE = Pattern.compile("^(\\s*)```(.*)$");
    private static final Pattern NO_RUN = Pattern.compile("^sh\\s+no-run:\\s*(\\S.*)$");

    boolean runs() {
        return language.equals("sh") && noRunReason == null;
    }

    String where(Path root) {
        return root.relativize(file) + ":" + line;
    }

    /** The fenced blocks of a page; fails on a fence without a language or with a shell language other than sh. */
    static List<DocBlock> parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<DocBlock> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String indent = open.group(1);
            String info = open.group(2).strip();
            if (info.contains("`")) {
                continue; // not a fence (CommonMark): inline code such as ```` ```sh ```` at the start of a line
            }
            int start = i + 1;
            StringBuilder text = new StringBuilder();
            i++;
            while (i < lines.size() && !lines.get(i).strip().equals("```")) {
                String line = lines.get(i);
                text.append(line.startsWith(indent) ? line.substring(indent.length()) : line).append('\n');
                i++;
            }
            if (i == lines.size()) {
                throw new AssertionError(file + ":" + start + ": fence never closed");
            }
            blocks.add(block(file, start, info, text.toString()));
        }
        return blocks;
    }

    private static DocBlock block(Path file, int line, String info, String text) {
        String where = file + ":" + line;
        if (info.isEmpty()) {
            throw new AssertionError(where + ": a fence must name its language (```sh, ```yaml, ```text, ...)");
        }
        String language = info.split("\\s+")[0];
        if (List.of("bash", "shell", "console", "shell-session", "zsh").contains(language)) {
            throw new AssertionError(where + ": commands go in ```sh blocks (run by DocsTest), not ```" + language);
        }
        if (!language.equals("sh")) {
            return new DocBlock(file, line, language, null, text);
        }
        if (info.equals("sh")) {
            return new DocBlock(file, line, "sh", null, text);
        }
        Matcher noRun = NO_RUN.matcher(info);
        if (!noRun.matches()) {
            throw new AssertionError(where + ": an sh fence is ```sh or ```sh no-run: <why it cannot run here>, not ```" + info);
        }
        return new DocBlock(file, line, "sh", noRun.group(1), text);
    }
}
