#!/usr/bin/env bash
# The web UI's pages against the /v2/ listings they derive from (issue 15: a repository page of a 5,000-tag
# repository and the home page of 10,000 repositories in <= 50 ms p99). Starts Berth (SQLite, access control off)
# through ./berth on a free 127.0.0.1 port with a fresh data directory, seeds it over HTTP (bench/ui-pages.py: tiny
# OCI images, blobs mounted), times each page and its /v2/ counterpart in the same run, prints the table with the
# load average, and stops the server by its PID.
#   bench/ui-pages.sh                    # 10,000 repositories, 5,000 tags, 200 timed requests per page
#   REPOS=2000 TAGS=1000 N=50 bench/ui-pages.sh
#   UI_BENCH_JVM_OPTS=-XX:StartFlightRecording=filename=/tmp/ui.jfr bench/ui-pages.sh   # with a JFR profile
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
repos="${REPOS:-10000}" tags="${TAGS:-5000}" n="${N:-200}"
work="$(mktemp -d "${TMPDIR:-/tmp}/berth-ui-bench.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
./berth version > /dev/null  # builds target/berth.jar when the sources changed
if [ -n "${UI_BENCH_JVM_OPTS:-}" ]; then
  # The launcher's options without its class-data archive (the JVM turns JFR off while it dumps one at exit).
  export BERTH_JAVA_OPTS="-Xms32m -Xmx256m -XX:MaxDirectMemorySize=192m -XX:+UseSerialGC \
--enable-native-access=ALL-UNNAMED $UI_BENCH_JVM_OPTS"
fi
unset UI_BENCH_JVM_OPTS
./berth serve --listen "127.0.0.1:$port" --data "$work/data" \
  > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/readyz" > /dev/null || { cat "$work/server.log" >&2; exit 1; }
echo "bench: Berth $(git rev-parse --short HEAD) on 127.0.0.1:$port (SQLite), seeding $repos repositories, $tags tags" >&2
python3 "$here/bench/ui-pages.py" 127.0.0.1 "$port" "$repos" "$tags" "$n"
