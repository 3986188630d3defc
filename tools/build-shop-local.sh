#!/usr/bin/env bash
# Builds shop-local as the tests build it and prints the path of its binary; `make dev` and the
# journeys' and contract's start (tests/shop-local.sh) run it. The build is tools/cargo.sh's
# (its wrapper and environment), with one of shop-local's integration tests beside the bin: a
# test target makes cargo unify dev-dependency features as `cargo test` does, so after
# `make lint` this compiles nothing, and on a fresh clone only shop-local's graph. Only
# shop-local and that test are named: cargo replaces the binaries it names even when they are
# fresh, and `sam build` may be copying the functions' binaries out of the same folder.
# Usage: tools/build-shop-local.sh [cargo flags, e.g. --quiet]   (cargo's output goes to stderr)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
test="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys
print(next(t["name"] for p in json.load(sys.stdin)["packages"]
           if any(b["name"] == "shop-local" and "bin" in b["kind"] for b in p["targets"])
           for t in p["targets"] if "test" in t["kind"]))')"
bash tools/cargo.sh build --workspace --bin shop-local --test "$test" "$@" >&2
echo "$(bash tools/cargo.sh --bin-dir)/shop-local"
