#!/usr/bin/env bash
# `make dev` from a fresh clone, timed: clones the committed HEAD into a temporary folder (no
# target/, no node_modules/, no .local-deps/), runs `make dev` there on a free port with cargo's
# `--timings` (DEV_CARGO_FLAGS), and prints the seconds until shop-local prints READY and the
# home page answers. Then what shop-local's build was made of, from cargo's timing report: its
# wall time, the compile time of every unit it compiled, summed ("unit-seconds"; cargo runs as
# many units at once as there are cores, so that sum over the cores is about the shortest the
# build can be), and the crates that cost most, grouped. The stand-ins install beside the
# build, as in `make dev`, and lengthen the units they compete with. Stops the shop and removes
# the clone.
# Usage: bench/dev/run.sh   (about 5 minutes on 2 cores; run it on a quiet machine)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
clone="$work/edge-shop"
log="$work/dev.log"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -- -"$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 -- -"$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 -- -"$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
git clone --quiet "$root" "$clone"
echo "==> make dev in a fresh clone of $(git -C "$clone" rev-parse --short HEAD) ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))" >&2

start=$(date +%s.%N)
# Its own process group, so that the shop, its stand-ins and cargo stop together.
setsid make -C "$clone" --no-print-directory dev ARGS="--port $port" DEV_CARGO_FLAGS=--timings \
  > "$log" 2>&1 &
pid=$!
ready=""
while kill -0 "$pid" 2>/dev/null; do
  if grep -q '^READY' "$log"; then ready=$(date +%s.%N); break; fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  tail -30 "$log" >&2
  echo "bench/dev: make dev exited before READY (its output is above)" >&2
  exit 1
fi
status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")"
[[ "$status" == 200 ]] || { echo "bench/dev: the home page answered $status" >&2; exit 1; }

timings="$clone/target/cargo-timings/cargo-timing.html"
[[ -f "$timings" ]] || { echo "bench/dev: cargo wrote no timing report ($timings)" >&2; exit 1; }
members="$(cd "$clone" && cargo metadata --no-deps --format-version 1 \
  | python3 -c 'import json, sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["packages"]))')"

python3 - "$timings" "$start" "$ready" "$(nproc)" "$members" <<'PY'
import json, re, sys
from collections import defaultdict

timings, start, ready, cores, members = sys.argv[1:6]
cores, members = int(cores), set(members.split())
html = open(timings).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
wall = max(u["start"] + u["duration"] for u in units)
cpu = sum(u["duration"] for u in units)

IMAGE = {"image", "zune-jpeg", "zune-core", "png", "image-webp", "moxcms", "pxfm", "fdeflate"}
SDK_RUNTIME = ("aws-smithy-", "aws-config", "aws-runtime", "aws-sigv4", "aws-types",
               "aws-credential-types")
def group(name):
    if name in members:
        return "the workspace's crates"
    if name.startswith("aws-sdk-"):
        return "AWS SDK clients"
    if name.startswith(SDK_RUNTIME):
        return "AWS SDK runtime"
    if name.startswith("async-stripe"):
        return "async-stripe"
    if name in IMAGE:
        return "image codecs (opt-level 3)"
    return "everything else"

groups, crates = defaultdict(float), defaultdict(float)
for u in units:
    groups[group(u["name"])] += u["duration"]
    crates[u["name"]] += u["duration"]

print(f"make dev, fresh clone: READY after {float(ready) - float(start):.0f} s")
print(f"shop-local's build: {len(units)} units, {wall:.0f} s wall; {cpu:.0f} unit-seconds"
      f" = {cpu / cores:.0f} s on {cores} cores at best")
print()
print(f"{'group':<30} {'unit-s':>7} {'share':>6}")
for name, s in sorted(groups.items(), key=lambda kv: -kv[1]):
    print(f"{name:<30} {s:7.0f} {s / cpu:6.0%}")
print()
print("costliest crates (unit-s): " + ", ".join(
    f"{n} {s:.0f}" for n, s in sorted(crates.items(), key=lambda kv: -kv[1])[:12]))
PY
