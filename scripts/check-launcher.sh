#!/usr/bin/env bash
# Checks the ./berth launcher's handling of the class-data archive (target/berth.jsa) on the built jar:
#   - a command other than `serve` does not write it (the JVM keeps the first archive it writes: one made by
#     `berth --version` would hold that command's classes only, and every later start would be slower);
#   - `serve` writes it at exit, whole;
#   - another command then uses it and leaves it as it is;
#   - an archive older than the jar is deleted (the JVM would run without it and never make a new one);
#   - help and version make target/berth-cli.jsa once per jar, and the JVM maps it with the launcher's options;
#   - that archive holds picocli, the HTTP client and Jackson's streaming classes (the --server commands' classes).
# Run by ./run-tests after the Maven build. Starts one server on a free loopback port and stops it by its PID.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
. "$here/scripts/find-java.sh"
berth_find_java
archive="$here/target/berth.jsa"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "check-launcher: FAILED: $*" >&2
  exit 1
}

[ -f target/berth.jar ] || fail "target/berth.jar is not built"
rm -f "$archive"

./berth --version > /dev/null
[ ! -e "$archive" ] || fail "berth --version wrote the class-data archive"

./berth serve --data "$work/data" --listen 127.0.0.1:0 > "$work/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.log" | head -1)"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "berth serve exited: $(cat "$work/serve.log")"
  sleep 0.1
done
[ -n "$port" ] || fail "berth serve did not report its port within 10 s"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
status="$(head -1 <&3 | tr -d '\r')"
exec 3<&-
[[ "$status" == "HTTP/1."?" 200"* ]] || fail "GET /v2/ answered '$status'"
kill -TERM "$pid"
for _ in $(seq 1 150); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "berth serve did not stop within 15 s of SIGTERM"
wait "$pid" || true
pid=""

[ -f "$archive" ] || fail "berth serve did not write the class-data archive at exit"
size="$(stat -c %s "$archive")"
[ "$size" -gt $((15 * 1024 * 1024)) ] || fail "the archive written by serve is only $size bytes"
before="$(stat -c %Y.%s "$archive")"
./berth --version > /dev/null
[ "$(stat -c %Y.%s "$archive")" = "$before" ] || fail "berth --version changed the archive serve wrote"

touch -d '1 minute ago' "$archive"
touch target/berth.jar
./berth --version > /dev/null
[ ! -e "$archive" ] || fail "an archive older than the jar was kept"

# The commands that touch no store have an archive of their own, made once per jar and valid for the jar.
cli_archive="$here/target/berth-cli.jsa"
rm -f "$cli_archive"
[ "$(./berth version)" = "$(./berth --version)" ] || fail "berth version and berth --version differ"
[ -f "$cli_archive" ] || fail "berth version did not make the CLI archive"
"$JAVA_HOME/bin/java" -Xms16m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:on \
  -XX:SharedArchiveFile="$cli_archive" -jar target/berth.jar help gc > /dev/null 2>&1 ||
  fail "the JVM cannot map the CLI archive with the options the launcher uses"
# The training run (io.berth.cli.CliTraining) puts picocli and the --server commands' HTTP client in it: a call that
# fails to connect loads both from the archive, none from the jar.
loaded="$(BERTH_USER=check BERTH_PASSWORD=check "$JAVA_HOME/bin/java" -Xms16m -Xmx128m -XX:+UseSerialGC \
  -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:on -XX:SharedArchiveFile="$cli_archive" -Xlog:class+load=info \
  -jar target/berth.jar repo list --server http://127.0.0.1:1 2>/dev/null || true)"
for class in picocli.CommandLine sun.net.www.protocol.http.HttpURLConnection io.berth.cli.ApiClient; do
  grep -q "^\[.*\] $class source: shared objects file" <<< "$loaded" ||
    fail "the CLI archive does not hold $class"
done
# A remade archive is renamed into place: a new inode.
before="$(stat -c %i "$cli_archive")"
./berth help gc > /dev/null
[ "$(stat -c %i "$cli_archive")" = "$before" ] || fail "berth help gc remade a CLI archive that was up to date"
touch -d '1 minute ago' "$cli_archive"
./berth --help > /dev/null
[ "$(stat -c %i "$cli_archive")" != "$before" ] || fail "a CLI archive older than the jar was not remade"
[ -z "$(find target -maxdepth 1 -name '*.partial*' -print -quit)" ] || fail "the launcher left a partial archive"

echo "check-launcher: the launcher makes the class-data archive from serve only, uses it, and drops a stale one;"
echo "check-launcher: commands that touch no store use an archive of their own, remade when the jar changes"
