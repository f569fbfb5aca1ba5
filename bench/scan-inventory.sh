#!/usr/bin/env bash
# Layer reading throughput of the image inventory (io.berth.scan.inventory) on a real Debian layer, one thread.
#   bench/scan-inventory.sh             # 5 rounds on each of the gzip, zstd and plain forms of the layer
#   ROUNDS=10 bench/scan-inventory.sh
# The layer is a Debian bookworm minbase root filesystem made by mmdebstrap (Debian's archive is needed the first
# time; the tarball is kept in target/scan-cache, shared with DebianRootfsTest), compressed by the gzip (-6, as docker
# and buildah do) and zstd (-3) tools. Prints, per round, MB/s of the layer's stored (compressed) bytes per second of
# the reading thread's CPU time (per core: steady on a shared machine) and per second of wall time, beside the rate
# of decompression alone. Target (issue 16): >= 150 MB/s of compressed data per core.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
. scripts/find-java.sh
berth_find_java
rounds="${ROUNDS:-5}"
cache=target/scan-cache
mkdir -p "$cache"
if [ ! -f "$cache/bookworm-minbase.tar" ]; then
  mode=--mode=root
  [ "$(id -u)" -eq 0 ] || mode=--mode=unshare
  mmdebstrap --quiet --variant=minbase "$mode" --format=tar bookworm "$cache/bookworm-minbase.tar.partial"
  mv "$cache/bookworm-minbase.tar.partial" "$cache/bookworm-minbase.tar"
fi
[ -f "$cache/bookworm-minbase.tar.gz" ] || gzip -k -6 "$cache/bookworm-minbase.tar"
[ -f "$cache/bookworm-minbase.tar.zst" ] || zstd -q -3 "$cache/bookworm-minbase.tar" -o "$cache/bookworm-minbase.tar.zst"
./mvnw -B -ntp -q compile test-compile
./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile=target/scan-bench.classpath -Dmdep.includeScope=test \
  > /dev/null
cp="target/classes:target/test-classes:$(cat target/scan-bench.classpath)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for f in bookworm-minbase.tar.gz bookworm-minbase.tar.zst bookworm-minbase.tar; do
  echo "== $f ($(du -m "$cache/$f" | cut -f1) MB)"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.berth.scan.inventory.InventoryBench \
    "$cache/$f" "$rounds"
done
