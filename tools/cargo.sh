#!/usr/bin/env bash
# Cargo as `make lint`, `make unit`, the journeys, the contract and `make dev` run it, so that
# they share one build of the workspace (target/debug) instead of compiling it twice:
# clippy-driver compiles the workspace's own crates (RUSTC_WORKSPACE_WRAPPER, which is what
# `cargo clippy` sets, on top of `cargo check`) in the same dev-profile build that produces the
# test binaries and shop-local. Clippy's lints thus come out of the compile the tests need;
# without it, `cargo clippy` type-checks every dependency a second time (the AWS SDKs alone
# are most of that). Dependencies are compiled by plain rustc either way: their artifacts are
# the same as a plain `cargo test`'s. The wrapper is part of the workspace crates' metadata
# hash, so a plain `cargo test -p …` beside this keeps its own copy of them and neither
# rebuilds the other.
# Usage: tools/cargo.sh [--deny-warnings] <cargo arguments>
#   --deny-warnings: fail when any workspace crate has a warning (rustc's or clippy's), as
#   `cargo clippy -- -D warnings` does. The warnings are counted from cargo's JSON messages,
#   not turned into errors with CLIPPY_ARGS: that variable is part of the build's fingerprint
#   and `make dev` must share the build without failing on a lint. Cargo replays a fresh
#   crate's warnings, so a second run finds the same ones.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

deny=false
if [[ "${1:-}" == "--deny-warnings" ]]; then deny=true; shift; fi

# The toolchain's own clippy-driver (not rustup's proxy): a stable path keeps the hash stable.
driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)"
[[ -x "$driver" ]] || { echo "tools/cargo.sh: clippy-driver not found (rustup component add clippy)" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER="$driver"
unset CLIPPY_ARGS

$deny || exec cargo "$@"

set +e
cargo "$@" --message-format=json | python3 -c '
import json, sys
counts = {}
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") != "compiler-message":
        continue
    msg = m["message"]
    level = msg.get("level", "")
    if level in ("warning", "error") and not msg.get("message", "").startswith("aborting due to"):
        counts[level] = counts.get(level, 0) + 1
        sys.stderr.write(msg.get("rendered") or msg.get("message", "") + "\n")
if counts:
    sys.stderr.write("tools/cargo.sh: %s (warnings are errors here)\n"
                     % ", ".join("%d %s(s)" % (n, l) for l, n in sorted(counts.items())))
    sys.exit(1)
'
status=("${PIPESTATUS[@]}")
set -e
(( status[0] == 0 )) || exit "${status[0]}"
exit "${status[1]}"
