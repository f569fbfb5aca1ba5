#!/usr/bin/env bash
# Wall time of CLI calls that touch no store, through the real launcher (./berth), as a user runs them.
#   bench/cli-latency.sh            # 10 runs of each command
#   N=20 bench/cli-latency.sh
# One untimed call first builds the jar and the CLI class-data archive when they are missing or stale. Prints, per
# command, the median, min and max wall time and the median CPU time (user + sys; steadier on a busy machine) in ms.
# Target (issue 14 item 3): median wall time <= 500 ms on the 2-core lab machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
n="${N:-10}"
commands=("version" "--version" "help" "--help" "help gc")

./berth --help > /dev/null

median() {
  local sorted count
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  count=${#sorted[@]}
  if (( count % 2 == 1 )); then
    echo "${sorted[$((count / 2))]}"
  else
    echo $(( (sorted[count / 2 - 1] + sorted[count / 2]) / 2 ))
  fi
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, N=$n"
printf '%-16s %9s %9s %9s %11s\n' "command" "median" "min" "max" "cpu median"
TIMEFORMAT='%R %U %S'
for command in "${commands[@]}"; do
  walls=()
  cpus=()
  for _ in $(seq 1 "$n"); do
    # shellcheck disable=SC2086
    read -r real user sys < <({ time ./berth $command > /dev/null 2>&1 || true; } 2>&1)
    walls+=("$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 }')")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')")
  done
  sorted=($(printf '%s\n' "${walls[@]}" | sort -n))
  printf '%-16s %6d ms %6d ms %6d ms %8d ms\n' "berth $command" "$(median "${walls[@]}")" "${sorted[0]}" \
    "${sorted[$((${#sorted[@]} - 1))]}" "$(median "${cpus[@]}")"
done
