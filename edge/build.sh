#!/usr/bin/env bash
# Builds the Lambda@Edge bundle: edge/dist/edge.zip = index.mjs + edge.node + config.json.
# Usage: edge/build.sh [CONFIG_JSON]   (default: edge/config.example.json)
# Installs what it needs when missing: ziglang and cargo-zigbuild (their PyPI wheels, pinned in
# edge/requirements-build.txt, in one venv: downloaded, not compiled).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
config="${1:-edge/config.example.json}"
target="x86_64-unknown-linux-gnu"

fail() { echo "error: $*" >&2; exit 1; }
run() { "$@" || fail "command failed: $*"; }

[[ -f "$config" ]] || fail "config file not found: $config"

venv="$(tools/venv.sh zig edge/requirements-build.txt)" || fail "tools/venv.sh zig edge/requirements-build.txt"
# cargo-zigbuild runs `python3 -m ziglang` when no `zig` is on PATH: the venv's python comes first.
export PATH="$venv/bin:$PATH"
[[ -x "$venv/bin/cargo-zigbuild" ]] || fail "cargo-zigbuild is not in $venv (edge/requirements-build.txt)"

echo "==> building the edge addon (cargo zigbuild, glibc 2.17, profile edge)" >&2
run cargo zigbuild --quiet -p edge-addon --target "$target.2.17" --profile edge

target_dir="${CARGO_TARGET_DIR:-$root/target}"
so="$target_dir/$target/edge/libedge_addon.so"
[[ -f "$so" ]] || fail "addon not found at $so after the build"

stage="$root/edge/dist/stage"
rm -rf "$stage"
mkdir -p "$stage"
cp edge/index.mjs "$stage/index.mjs"
cp "$so" "$stage/edge.node"
run python3 - "$config" "$stage/config.json" <<'PY'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    cfg = json.load(f)  # fails loudly on invalid JSON
with open(dst, "w") as f:
    json.dump(cfg, f, separators=(",", ":"))
PY
# The addon itself checks the config: a bundle that cannot start is not built.
run node -e '
  const { createRequire } = require("node:module");
  const addon = createRequire(process.argv[1] + "/x")("./edge.node");
  addon.init(require("node:fs").readFileSync(process.argv[1] + "/config.json", "utf8"));
' "$stage"

zip="$root/edge/dist/edge.zip"
# Written beside and renamed into place: a reader (the edge-config test, sam build) running
# meanwhile sees the old zip or the new one, never half of one.
run python3 - "$stage" "$zip.partial" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name in ("index.mjs", "edge.node", "config.json"):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(stage, name), "rb") as f:
            z.writestr(info, f.read(), compresslevel=9)
PY
mv -f "$zip.partial" "$zip"
size=$(stat -c %s "$zip")
echo "edge bundle: edge/dist/edge.zip $size bytes ($(( (size + 1023) / 1024 )) KB; addon $(stat -c %s "$stage/edge.node") bytes unzipped)"
