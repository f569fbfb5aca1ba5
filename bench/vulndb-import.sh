#!/usr/bin/env bash
# Times `berth vulndb import` of an osv.dev-style all.zip of N realistic OSV records (default 100,000) into a fresh
# SQLite data directory, through the real launcher (./berth), as an operator runs it; then the same zip again (which
# must change nothing). Target (issue 16): 100,000 records in <= 60 s on the 2-core lab machine.
#   bench/vulndb-import.sh
#   N=20000 bench/vulndb-import.sh
#   KEEP=1 bench/vulndb-import.sh     # keep the work directory (the zip, the data directory) and print where it is
# The records are generated (python3, seeded, so every run imports the same zip): Debian records over three
# releases with version lists, GitHub advisories for npm, PyPI, Maven and Go with CVSS vectors, Alpine records over
# three branches; aliases, references and details of the sizes osv.dev's have; 2 % withdrawn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
n="${N:-100000}"
work="$(mktemp -d)"
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

python3 - "$work/all.zip" "$n" <<'PY'
import json, random, sys, zipfile
path, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(16)
words = ("buffer overflow use after free integer heap stack out of bounds read write denial service crafted input "
         "allows remote attackers execute arbitrary code via malformed packet header parser function memory "
         "corruption null pointer dereference privilege escalation authentication bypass").split()
def text(lo, hi):
    return " ".join(rnd.choice(words) for _ in range(rnd.randint(lo, hi))).capitalize() + "."
def when(year):
    return "%d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (year, rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23),
                                                 rnd.randint(0, 59), rnd.randint(0, 59), rnd.randint(0, 999999))
def refs(cve):
    r = [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/" + cve}]
    for _ in range(rnd.randint(1, 5)):
        r.append({"type": rnd.choice(["WEB", "FIX", "REPORT", "PACKAGE"]),
                  "url": "https://example.org/%s/%d" % (rnd.choice(words), rnd.randint(1, 10**6))})
    return r
def debian(i, cve):
    name = rnd.choice(words) + rnd.choice(["", "-utils", "lib", "2", "-dev"])
    affected = []
    for release, suffix in (("11", "deb11u"), ("12", "deb12u"), ("13", "")):
        base = "%d.%d.%d-%d" % (rnd.randint(0, 9), rnd.randint(0, 40), rnd.randint(0, 20), rnd.randint(1, 5))
        events = [{"introduced": "0"}]
        if rnd.random() < 0.8:
            events.append({"fixed": base + ("+" + suffix + str(rnd.randint(1, 9)) if suffix else "")})
        affected.append({"package": {"ecosystem": "Debian:" + release, "name": name,
                                     "purl": "pkg:deb/debian/%s?arch=source" % name},
                         "ranges": [{"type": "ECOSYSTEM", "events": events}],
                         "versions": [base + "~%d" % k for k in range(rnd.randint(0, 12))],
                         "ecosystem_specific": {"urgency": rnd.choice(["low", "medium", "high", "not yet assigned"])},
                         "database_specific": {"source": "https://storage.googleapis.com/debian-osv/%s.json" % cve}})
    return "DEBIAN-" + cve, affected, []
def ghsa(i, cve):
    eco = rnd.choice(["npm", "PyPI", "Maven", "Go"])
    name = {"npm": "@%s/%s", "PyPI": "%s-%s", "Maven": "org.%s:%s", "Go": "github.com/%s/%s"}[eco] % (
        rnd.choice(words), rnd.choice(words) + str(i % 997))
    affected = [{"package": {"ecosystem": eco, "name": name},
                 "ranges": [{"type": "SEMVER" if eco in ("npm", "Go") else "ECOSYSTEM",
                             "events": [{"introduced": "%d.0.0" % k}, {"fixed": "%d.%d.%d" % (k, rnd.randint(0, 9), rnd.randint(1, 9))}]}],
                 "database_specific": {"last_known_affected_version_range": "< %d.9" % k}}
                for k in range(rnd.randint(1, 3))]
    gid = "GHSA-%04x-%04x-%04x" % (rnd.getrandbits(16), rnd.getrandbits(16), i % 65536)
    return gid, affected, [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:%s/PR:N/UI:%s/S:U/C:H/I:%s/A:H" % (
        rnd.choice("LH"), rnd.choice("NR"), rnd.choice("NLH"))}]
def alpine(i, cve):
    name = rnd.choice(words) + rnd.choice(["", "-libs", "3"])
    affected = [{"package": {"ecosystem": "Alpine:v3.%d" % b, "name": name,
                             "purl": "pkg:apk/alpine/%s?arch=source" % name},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%d.%d.%d-r%d" % (
                     rnd.randint(0, 5), rnd.randint(0, 30), rnd.randint(0, 9), rnd.randint(0, 4))}]}]}
                for b in (18, 19, 20)]
    return "ALPINE-" + cve, affected, []
kinds = [debian] * 4 + [ghsa] * 3 + [alpine] * 2 + [debian]
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    for i in range(n):
        year = 2014 + i % 11
        cve = "CVE-%d-%d" % (year, 10000 + i)
        rid, affected, severity = kinds[i % len(kinds)](i, cve)
        record = {"schema_version": "1.6.0", "id": rid, "modified": when(2025), "published": when(year),
                  "aliases": [cve] if not rid.startswith("DEBIAN") else [], "upstream": [cve],
                  "summary": text(4, 12), "details": text(40, 220), "affected": affected, "references": refs(cve)}
        if severity:
            record["severity"] = severity
        if rnd.random() < 0.02:
            record["withdrawn"] = when(2025)
        z.writestr(rid + ".json", json.dumps(record, indent=2))
PY

records_bytes="$(python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(sum(i.file_size for i in z.infolist()))' "$work/all.zip")"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo "zip: $n records, $(( $(stat -c %s "$work/all.zip") / 1048576 )) MiB compressed, $(( records_bytes / 1048576 )) MiB of JSON"
./berth version > /dev/null  # builds the jar when it is stale, untimed
mkdir -p "$work/data"
TIMEFORMAT='%R %U %S'
for run in first again; do
  read -r real user sys < <({ time ./berth vulndb import --data "$work/data" "$work/all.zip" > "$work/$run.txt" \
    2> "$work/$run.err"; } 2>&1)
  echo "import ($run): ${real} s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }') s CPU;" \
    "$(tail -1 "$work/$run.txt")"
done
./berth vulndb status --data "$work/data" 2> /dev/null | head -1
echo "database: $(( $(du -sk "$work/data" | cut -f1) / 1024 )) MiB"
