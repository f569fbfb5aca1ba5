#!/usr/bin/env bash
# JMH benchmarks of Berth's hot paths (bench/src/main/java/io/berth/bench/jmh and io/berth/http/RouterBenchmark):
# digest verification, upload writes, manifest parsing, name validation, routing, metadata lookups.
# Builds like bench/run.sh, then runs JMH with the arguments given (a regex of benchmark names, -p, -f, ...):
#   bench/jmh.sh                          # everything, about 12 minutes (the metadata fixture takes a minute once)
#   bench/jmh.sh ManifestBenchmark        # one class
#   bench/jmh.sh -l                       # list them
#   bench/jmh.sh --no-build Digest        # without rebuilding
# The metadata fixture (SQLite with 10,000 repositories) is kept in bench/target/jmh-fixtures between runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
no_build=0
if [ "${1:-}" = "--no-build" ]; then
  no_build=1
  shift
fi
. "$root/bench/build.sh"
bench_build "$root" "$no_build"
mkdir -p "$root/bench/target/jmh-fixtures"
exec "$JAVA_HOME/bin/java" -Dberth.bench.fixtures="$root/bench/target/jmh-fixtures" -cp "$BENCH_CP" \
  org.openjdk.jmh.Main -jvmArgsAppend "-Dberth.bench.fixtures=$root/bench/target/jmh-fixtures" "$@"
