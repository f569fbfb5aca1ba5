#!/usr/bin/env python3
"""Seeds a running Berth with many repositories and one repository with many tags (tiny OCI images pushed over
HTTP, blobs mounted from one source repository), then times the web UI's pages side by side with the /v2/ listings
they derive from, in the same run, and prints p50/p99 per page and the UI/v2 ratios. Used by bench/ui-pages.sh."""
import hashlib, http.client, json, os, re, sys, time, urllib.parse

host, port = sys.argv[1], int(sys.argv[2])
repos, tags, n = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
conn = http.client.HTTPConnection(host, port, timeout=60)


def request(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    if response.status >= 400:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return response, data


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_blob(repo, data):
    request("POST", f"/v2/{repo}/blobs/uploads/?digest={sha(data)}", data,
            {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})


def mount(repo, digest, source):
    response, _ = request("POST", f"/v2/{repo}/blobs/uploads/?mount={digest}&from={source}", b"",
                          {"Content-Length": "0"})
    if response.status != 201:
        raise SystemExit(f"mount into {repo}: {response.status}")


def put_manifest(repo, ref, manifest):
    request("PUT", f"/v2/{repo}/manifests/{ref}", manifest,
            {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})


config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/app"]},
                     "rootfs": {"type": "layers", "diff_ids": []}}).encode()
layer = b"berth ui bench layer\n" * 8
source = "seed/base"


def manifest(note):
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config),
                                  "size": len(config)},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(layer),
                                   "size": len(layer)}],
                       "annotations": {"bench.note": note}}).encode()


def seed():
    started = time.time()
    push_blob(source, config)
    push_blob(source, layer)
    put_manifest(source, "latest", manifest("seed"))
    for i in range(repos - 2):
        repo = f"ns{i % 20:02d}/app{i:05d}"
        mount(repo, sha(config), source)
        mount(repo, sha(layer), source)
        put_manifest(repo, "v1", manifest(repo))
    big = "big/app"
    mount(big, sha(config), source)
    mount(big, sha(layer), source)
    for t in range(tags):
        put_manifest(big, f"v{t:05d}", manifest(f"big {t}"))
    print(f"seeded {repos} repositories and {tags} tags of big/app in {time.time() - started:.0f} s",
          file=sys.stderr)


def timed(path, count):
    times = []
    body = b""
    for i in range(count + count // 10):
        t0 = time.perf_counter()
        _, body = request("GET", path)
        if i >= count // 10:  # the first tenth warms up
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], body


def next_link(html, marker):
    match = re.search(r'href="(/[^"]*' + re.escape(marker) + r'[^"]*)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


if os.environ.get("SEED", "1") == "1":
    seed()
rows = []
home = timed("/", n)
rows.append(("home, first page (50 repositories)", "/", home, "/v2/_catalog?n=50", timed("/v2/_catalog?n=50", n)))
home_next = next_link(home[2].decode(), "last=")
last_repo = urllib.parse.parse_qs(urllib.parse.urlparse(home_next).query)["last"][0]
rows.append(("home, next page", home_next, timed(home_next, n),
             f"/v2/_catalog?n=50&last={last_repo}", timed(f"/v2/_catalog?n=50&last={last_repo}", n)))
deep_repo = f"ns10/app{repos // 2:05d}"
deep = f"/?last={urllib.parse.quote(deep_repo)}"
rows.append(("home, page at repository 5,000", deep, timed(deep, n), f"/v2/_catalog?n=50&last={deep_repo}",
             timed(f"/v2/_catalog?n=50&last={deep_repo}", n)))
repo_page = timed("/r/big/app", n)
size = int(os.environ.get("TAG_PAGE", "100"))
rows.append(("repository, first page", "/r/big/app", repo_page, f"/v2/big/app/tags/list?n={size}",
             timed(f"/v2/big/app/tags/list?n={size}", n)))
repo_next = next_link(repo_page[2].decode(), "?last=")
if repo_next:
    last_tag = urllib.parse.parse_qs(urllib.parse.urlparse(repo_next).query)["last"][0]
    rows.append(("repository, next page", repo_next, timed(repo_next, n),
                 f"/v2/big/app/tags/list?n={size}&last={last_tag}",
                 timed(f"/v2/big/app/tags/list?n={size}&last={last_tag}", n)))
mid = f"v{tags // 2:05d}"
rows.append(("repository, page at tag 2,500", f"/r/big/app?last={mid}", timed(f"/r/big/app?last={mid}", n),
             f"/v2/big/app/tags/list?n={size}&last={mid}", timed(f"/v2/big/app/tags/list?n={size}&last={mid}", n)))
load = open("/proc/loadavg").read().split()[:3]
print(f"load average {' '.join(load)}, {os.cpu_count()} cores, {n} timed requests each (+{n // 10} warm-up)")
print("| page | UI p50 | UI p99 | /v2/ p50 | /v2/ p99 | UI/v2 p99 |")
print("|---|---:|---:|---:|---:|---:|")
for name, _, ui, v2path, v2 in rows:
    print(f"| {name} | {ui[0]:.2f} ms | {ui[1]:.2f} ms | {v2[0]:.2f} ms | {v2[1]:.2f} ms | {ui[1] / v2[1]:.1f}x |")
