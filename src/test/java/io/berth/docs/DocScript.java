package io.berth.docs;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the runnable blocks of one page into one bash script, run in a sandbox folder as a user would paste them into
 * one shell, in order (variables and files carry from block to block). The only changes to the text are the
 * substitutions in {@link #PATHS} and {@link #PORTS}, and {@code ./berth serve} lines, which start the server in the
 * background and wait until it answers (a user runs them in a shell of their own).
 */
final class DocScript {
    /** Absolute paths the docs use, moved into the sandbox (no test writes outside its temp folder). */
    static final List<String> PATHS = List.of("/srv/", "/tmp/", "/var/lib/berth", "/var/lib/docker-registry", "/var/backups/",
            "/etc/berth/");
    /** The docs' S3 endpoint and PostgreSQL server, replaced by the S3 API server and PostgreSQL the test starts. */
    static final String S3_ENDPOINT = "http://minio.internal:9000";
    static final String POSTGRES = "db.internal:5432";
    /** Ports the docs use, each replaced by a free port of its own (in localhost:PORT and 127.0.0.1:PORT). */
    static final List<Integer> PORTS = List.of(5000, 5001, 5002, 5999);

    private static final Pattern HOST_PORT = Pattern.compile("\\b(localhost|127\\.0\\.0\\.1):(\\d{4})\\b");
    private static final Pattern SERVE = Pattern.compile(
            "^((?:[A-Za-z_][A-Za-z0-9_]*=\\S+\\s+)*)(\\./berth serve\\b[^&;|#]*?)\\s*&?\\s*(?:#.*)?$");
    /** A command whose output the page states: {@code curl -s localhost:5000/readyz   # => ready}. */
    private static final Pattern EXPECT = Pattern.compile("^(\\S.*?)\\s+# => (.+)$");
    private static final Pattern LISTEN_PORT = Pattern.compile("--listen\\s+\\S*:(\\d+)");

    private static final String PRELUDE = """
            set -euo pipefail
            # Starts the server line on stdin in the background, stopping first the one this page started on the same
            # port (the user's Ctrl-C), and waits until /readyz answers (HTTP or HTTPS) or the server exits.
            berth_docs_serve() {
              local port=$1 dir="$DOCS_SANDBOX/.docs"
              local script="$dir/serve-$port.sh" pidfile="$dir/pids/$port" log="$dir/serve-$port.log"
              mkdir -p "$dir/pids"
              cat > "$script"
              if [ -f "$pidfile" ]; then
                local old; old=$(cat "$pidfile"); kill "$old" 2>/dev/null || true
                for _ in $(seq 1 300); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
                rm -f "$pidfile"
              fi
              echo "--- $(cat "$script")" >> "$log"
              bash "$script" >> "$log" 2>&1 &
              local pid=$!
              echo "$pid" > "$pidfile"
              for _ in $(seq 1 900); do
                if curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" || curl -sfk -o /dev/null "https://127.0.0.1:$port/readyz"; then
                  echo "(server on port $port is ready, pid $pid)"; return 0
                fi
                if ! kill -0 "$pid" 2>/dev/null; then echo "server exited:"; cat "$log"; return 1; fi
                sleep 0.1
              done
              echo "server not ready on port $port within 90 s:"; cat "$log"; return 1
            }
            # Fails unless the output of the command before contains what the page says it prints.
            berth_docs_expect() {
              case "$1" in *"$2"*) ;; *) echo "the page says this prints: $2"; return 1 ;; esac
            }
            """;

    private final Path sandbox;
    private final Map<Integer, Integer> ports;
    private final Map<String, String> services;

    DocScript(Path sandbox, Map<Integer, Integer> ports) {
        this(sandbox, ports, Map.of());
    }

    /** services: what replaces {@link #S3_ENDPOINT} and {@link #POSTGRES}, when the test started them. */
    DocScript(Path sandbox, Map<Integer, Integer> ports, Map<String, String> services) {
        this.sandbox = sandbox;
        this.ports = new LinkedHashMap<>(ports);
        this.services = services;
    }

    /** Whether a block names the scale-out services (an S3 bucket and PostgreSQL). */
    static boolean needsServices(DocBlock block) {
        return block.text().contains(S3_ENDPOINT) || block.text().contains(POSTGRES);
    }

    /** The script: the prelude, then each block after a marker line ({@code >>> README.md:12}) that names it. */
    String script(Path root, List<DocBlock> blocks) {
        StringBuilder script = new StringBuilder(PRELUDE);
        for (DocBlock block : blocks) {
            script.append("echo '>>> ").append(block.where(root)).append("'\n");
            for (String line : substitute(block.text()).split("\n", -1)) {
                script.append(expectLine(serveLine(line))).append('\n');
            }
        }
        return script.toString();
    }

    /** The block's text with the sandbox's paths and ports. */
    String substitute(String text) {
        String result = text;
        for (Map.Entry<String, String> service : services.entrySet()) {
            result = result.replace(service.getKey(), service.getValue());
        }
        for (String path : PATHS) {
            result = result.replaceAll("(?<=^|[\\s='\"(:])" + Pattern.quote(path),
                    Matcher.quoteReplacement(sandbox + path));
        }
        Matcher m = HOST_PORT.matcher(result);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Integer port = ports.get(Integer.parseInt(m.group(2)));
            if (port == null) {
                throw new AssertionError("the docs use port " + m.group(2) + ", which DocScript.PORTS does not map");
            }
            m.appendReplacement(out, m.group(1) + ":" + port);
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String expectLine(String line) {
        Matcher expect = EXPECT.matcher(line);
        if (!expect.matches() || line.endsWith("\\")) {
            return line;
        }
        return "berth_docs_out=$(" + expect.group(1) + "); printf '%s\\n' \"$berth_docs_out\"; berth_docs_expect \"$berth_docs_out\" "
                + quote(expect.group(2).strip());
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    private String serveLine(String line) {
        Matcher serve = SERVE.matcher(line.strip());
        if (!serve.matches()) {
            return line;
        }
        Matcher listen = LISTEN_PORT.matcher(serve.group(2));
        int port = listen.find() ? Integer.parseInt(listen.group(1)) : ports.get(5000);
        return "berth_docs_serve " + port + " <<'BERTH_DOCS_SERVE'\n" + serve.group(1) + "exec " + serve.group(2).strip()
                + "\nBERTH_DOCS_SERVE";
    }
}
