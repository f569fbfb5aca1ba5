#!/usr/bin/env bash
# Berth against the reference registry (CNCF Distribution, Debian's docker-registry), side by side in one run.
# Builds Berth and this bench project, measures the machine's ceilings and the load generator's own ceiling, starts
# both servers on free 127.0.0.1 ports with fresh data directories (Berth with the ./berth launcher's default JVM
# options, or BERTH_JAVA_OPTS as the launcher takes it), runs every workload on both alternating A B B A over the
# rounds, stops both by PID, and prints the table (also written to bench/target/results/). See docs/PERFORMANCE.md.
#   bench/run.sh                 # full: 3 rounds, about 10 minutes on 2 cores
#   bench/run.sh --rounds 5      # more rounds
#   bench/run.sh --short         # smoke test for CI: tiny sizes, 1 round, plus one quick pass of the JMH benchmarks
# Other options: --no-build (use the jars built last), --keep (keep data dirs and logs), --out FILE,
#   --no-generator (skip the discard-server run), --generator-only (only ceilings and the discard-server run),
#   --only push,pull,manifests,small,large (a subset of workloads), --no-jmh (with --short),
#   --berth-extra-opts "..." (JVM options added to Berth's, e.g. -XX:StartFlightRecording=filename=/tmp/berth-%p.jfr),
#   --stores s3pg [--nodes N] (Berth on S3 + PostgreSQL: starts S3Proxy from ~/.m2 and a private PostgreSQL, and N
#   nodes behind a round-robin TCP proxy when N > 1, in place of the embedded Berth; e.g. --only push,pull).
#   --auth (Berth with access control on, every request of the generator to it with a Docker registry token; the
#   reference stays without auth, so the ratios show what token auth costs Berth).
#   --metrics-off-reference (the reference column is the same Berth with metrics.enabled=false: the ratios show what
#   metrics cost; e.g. --only manifests,small --no-generator --no-jmh).
# Exits non-zero only when something is broken (a build, a server that does not start, a wrong answer).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

short=0 no_build=0 jmh=1 keep=0 out="" extra_opts="" pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1; pass+=(--short) ;;
    --rounds) pass+=(--rounds "$2"); shift ;;
    --no-build) no_build=1 ;;
    --no-jmh) jmh=0 ;;
    --keep) keep=1; pass+=(--keep) ;;
    --no-generator) pass+=(--no-generator) ;;
    --generator-only) pass+=(--generator-only) ;;
    --only) pass+=(--only "$2"); shift ;;
    --stores) pass+=(--stores "$2"); shift ;;
    --nodes) pass+=(--nodes "$2"); shift ;;
    --auth) pass+=(--auth) ;;
    --metrics-off-reference) pass+=(--metrics-off-reference) ;;
    --berth-extra-opts) extra_opts="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

reference=/usr/bin/docker-registry
if [ ! -x "$reference" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "bench: installing the reference registry (Debian package docker-registry)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry >&2
  else
    echo "bench: $reference is missing: apt-get install docker-registry (as root)" >&2
    exit 1
  fi
fi

. "$root/bench/build.sh"
bench_build "$root" "$no_build"

launcher_opts="$(sed -n 's/^default_opts="\(.*\)"$/\1/p' "$root/berth")"
launcher_opts="${launcher_opts//\$here/$root}"
# The jar under test is a copy: it gets a class-data archive of its own (made by the bench's first start of it).
launcher_opts="${launcher_opts//$root\/target\/berth.jsa/$root/bench/target/berth-under-test.jsa}"
[ -n "$launcher_opts" ] || { echo "bench: cannot read default_opts from ./berth" >&2; exit 1; }
# The JVM cannot write a class-data archive with a native agent loaded (async-profiler: "CDS dumping does not
# support native JVMTI agent"): with one in the extra options, Berth runs without the archive.
if [[ "$extra_opts" == *-agentpath:* || "$extra_opts" == *-agentlib:* ]]; then
  launcher_opts="$(sed -e 's/-XX:+AutoCreateSharedArchive //' -e 's/-XX:SharedArchiveFile=[^ ]* //' <<< "$launcher_opts")"
fi
berth_opts="${BERTH_JAVA_OPTS:-$launcher_opts}${extra_opts:+ $extra_opts}"
version="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain -- src/main pom.xml 2>/dev/null)" ]; then
  version="$version with uncommitted changes in src/main"
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
suffix=""
[ "$short" = 0 ] || suffix="-short"
[ -n "$out" ] || out="$root/bench/target/results/bench-$stamp$suffix.md"
work="$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")"

generator_pid=""
stop_generator() {
  if [ -n "$generator_pid" ] && kill -0 "$generator_pid" 2>/dev/null; then
    kill -TERM "$generator_pid" 2>/dev/null || true
    wait "$generator_pid" 2>/dev/null || true
  fi
}
trap 'stop_generator; exit 130' INT TERM

started=$(date +%s)
# The generator holds the push workload's layers in direct memory (8 x 64 MiB) and must not pause long for GC.
"$JAVA_HOME/bin/java" -Xms1g -Xmx1g -XX:MaxDirectMemorySize=2g -XX:+UseParallelGC -cp "$BENCH_CP" io.berth.bench.Main \
  --java "$JAVA_HOME/bin/java" --berth-jar "$BERTH_JAR" --berth-jvm-opts "$berth_opts" --berth-version "$version" \
  --reference "$reference" --work "$work/run" --out "$out" "${pass[@]}" &
generator_pid=$!
status=0
wait "$generator_pid" || status=$?
generator_pid=""
if [ "$keep" = 1 ]; then
  echo "bench: data directories and server logs kept in $work/run" >&2
else
  rm -rf "$work"
fi
[ "$status" -eq 0 ] || { echo "bench: the side-by-side run failed (status $status)" >&2; exit "$status"; }

if [ "$short" = 1 ] && [ "$jmh" = 1 ]; then
  echo "bench: JMH benchmarks, one quick pass each (smoke test; numbers mean nothing)" >&2
  fixtures="$(mktemp -d "${TMPDIR:-/tmp}/berth-jmh.XXXXXX")"
  jmh_status=0
  "$JAVA_HOME/bin/java" -Dberth.bench.fixtures="$fixtures" -cp "$BENCH_CP" org.openjdk.jmh.Main \
    -f 0 -wi 0 -i 1 -r 100ms -foe true -p repositories=200 -p tags=100 -p layers=8 -p chunkBytes=65536 \
    -p request=manifest-get || jmh_status=$?
  rm -rf "$fixtures"
  [ "$jmh_status" -eq 0 ] || { echo "bench: a JMH benchmark failed" >&2; exit "$jmh_status"; }
fi
echo "bench: done in $(( $(date +%s) - started )) s; table in $out" >&2
