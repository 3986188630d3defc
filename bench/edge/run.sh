#!/usr/bin/env bash
# Edge benchmark: our Lambda@Edge bundle vs cognito-at-edge 1.5.5 (warm, cold, unseen-token
# verify, zip size). Prints figures; asserts nothing. Builds the bundle and installs the pinned
# npm packages when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
fail() { echo "error: $*" >&2; exit 1; }
edge/build.sh >&2 || fail "edge/build.sh failed"
tools/npm.sh || fail "tools/npm.sh (npm ci) failed"
node bench/edge/bench.mjs || fail "node bench/edge/bench.mjs failed"
