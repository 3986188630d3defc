#!/usr/bin/env bash
# Builds the edge bundle and runs the Node.js tests against it (edge/test/*.test.mjs):
# the shipped zip's contents and glibc floor, handler(event) on CloudFront events, and a
# login/refresh/sign-out journey against a real cognito-local.
# Usage: edge/test.sh      (Rust unit tests: cargo test -p edge)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
fail() { echo "error: $*" >&2; exit 1; }

edge/build.sh || fail "edge/build.sh failed"
tools/npm.sh || fail "tools/npm.sh (npm ci) failed"
cd edge/test
node --test --test-concurrency=1 ./*.test.mjs || fail "node --test edge/test/*.test.mjs failed"
