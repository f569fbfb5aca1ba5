#!/usr/bin/env bash
# Wall time of CLI calls that touch no store, through the real launcher (./berth), as a user runs them.
#   bench/cli-latency.sh            # 10 runs of each command
#   N=20 bench/cli-latency.sh
# Builds the jar first if needed (one untimed warm-up run), then prints the median, min and max per command in ms.
# Target (issue 14 item 3): median <= 500 ms on the 2-core lab machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
n="${N:-10}"
commands=("version" "help" "--help" "help gc" "--version")

./berth --help > /dev/null   # builds the jar (and the CLI archive) when they are missing or stale

ms_now() { date +%s%N; }
printf '%-14s %8s %8s %8s   (N=%d)\n' "command" "median" "min" "max" "$n"
for command in "${commands[@]}"; do
  times=()
  for _ in $(seq 1 "$n"); do
    start=$(ms_now)
    # shellcheck disable=SC2086
    ./berth $command > /dev/null 2>&1 || true
    end=$(ms_now)
    times+=($(( (end - start) / 1000000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  count=${#sorted[@]}
  if (( count % 2 == 1 )); then
    median=${sorted[$((count / 2))]}
  else
    median=$(( (sorted[count / 2 - 1] + sorted[count / 2]) / 2 ))
  fi
  printf '%-14s %6d ms %5d ms %5d ms\n' "berth $command" "$median" "${sorted[0]}" "${sorted[$((count - 1))]}"
done
