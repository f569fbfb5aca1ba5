#!/usr/bin/env bash
# Wall time of CLI calls that touch no store, through the real launcher (./berth), as a user runs them.
#   bench/cli-latency.sh            # 10 runs of each command
#   N=20 bench/cli-latency.sh
#   SERVER=1 bench/cli-latency.sh   # also --server commands, against a Berth with access control it starts (and stops)
# One untimed call first builds the jar and the CLI class-data archive when they are missing or stale. Prints, per
# command, the median, min and max wall time and the median CPU time (user + sys; steadier on a busy machine) in ms.
# Target (issue 14 item 3): median wall time <= 500 ms on the 2-core lab machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
n="${N:-10}"
commands=("version" "--version" "help" "--help" "help gc")
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; [ -n "${work:-}" ] && rm -rf "$work"; true; }
trap cleanup EXIT
if [ "${SERVER:-0}" = 1 ]; then
  work="$(mktemp -d)"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  BERTH_AUTH_ENABLED=true BERTH_ADMIN_PASSWORD=bench-admin-password ./berth serve --listen "127.0.0.1:$port" \
    --data "$work/data" > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.5; done
  export BERTH_SERVER="http://127.0.0.1:$port" BERTH_USER=admin BERTH_PASSWORD=bench-admin-password
  ./berth namespace create bench > /dev/null
  # One small image, bench/app:1.0, so tag list and manifest show have something to show.
  push() { curl -sf -u "$BERTH_USER:$BERTH_PASSWORD" "$@" > /dev/null; }
  config='{"architecture":"amd64","os":"linux"}'
  layer='bench layer'
  digest() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
  for blob in "$config" "$layer"; do
    push -X POST --data-binary "$blob" -H 'Content-Type: application/octet-stream' \
      "$BERTH_SERVER/v2/bench/app/blobs/uploads/?digest=sha256:$(digest "$blob")"
  done
  push -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' "$BERTH_SERVER/v2/bench/app/manifests/1.0" \
    --data-binary '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":'\
'"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$(digest "$config")"'","size":'"${#config}"'},"layers":'\
'[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'"$(digest "$layer")"'","size":'"${#layer}"'}]}'
  commands+=("repo list" "repo list --json" "tag list bench/app" "manifest show bench/app:1.0" "user list"
    "namespace list" "namespace members bench" "usage" "audit --limit 5")
fi

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
printf '%-36s %9s %9s %9s %11s\n' "command" "median" "min" "max" "cpu median"
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
  printf '%-36s %6d ms %6d ms %6d ms %8d ms\n' "berth $command" "$(median "${walls[@]}")" "${sorted[0]}" \
    "${sorted[$((${#sorted[@]} - 1))]}" "$(median "${cpus[@]}")"
done
