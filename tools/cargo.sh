#!/usr/bin/env bash
# Cargo as `make lint`, `make unit`, the journeys, the contract and `make dev` run it, so that
# they share one build of the workspace instead of compiling it twice, and share it with the
# `sam build` that `make test` runs (sam/check.sh --fast).
#
# Clippy: clippy-driver compiles the workspace's own crates (RUSTC_WORKSPACE_WRAPPER, which is
# what `cargo clippy` sets, on top of `cargo check`) in the same dev-profile build that produces
# the test binaries and shop-local. Clippy's lints thus come out of the compile the tests need;
# without it, `cargo clippy` type-checks every dependency a second time (the AWS SDKs alone
# are most of that). Dependencies are compiled by plain rustc either way. The wrapper is part
# of the workspace crates' metadata hash, so a plain `cargo test -p …` beside this keeps its
# own copy of them and neither rebuilds the other.
#
# The Lambda build: `sam build` runs `cargo lambda build --bin …` for each function, and
# cargo-lambda runs cargo in an environment of its own: `--target x86_64-unknown-linux-gnu`,
# zig as that target's C compiler and linker (CC_…, AR_…, CARGO_TARGET_…_LINKER) and
# target-applies-to-host off. Those are part of the dependencies' fingerprints (ring's build
# script reads CC_…, and everything above ring is rebuilt with it). So on an x86-64 Linux host
# this script asks cargo-lambda for that environment (tools/record-cargo-env stands in for
# cargo and records it) and builds in it: the dependencies compiled here are the ones
# `sam build` then finds fresh in target/x86_64-unknown-linux-gnu/debug, and it compiles only
# the workspace's own crates again. The test binaries are linked by zig (for glibc 2.28, which
# any newer host runs). On another host, or with EDGE_SHOP_HOST_BUILD=1, it is a plain host
# build in target/debug.
#
# Usage: tools/cargo.sh [--deny-warnings] <cargo arguments>
#        tools/cargo.sh --bin-dir      (prints the directory this build puts binaries in)
#   CARGO_SH_DEBUG=1 prints the environment taken from cargo-lambda.
#   --deny-warnings: fail when any workspace crate has a warning (rustc's or clippy's), as
#   `cargo clippy -- -D warnings` does. The warnings are counted from cargo's JSON messages,
#   not turned into errors with CLIPPY_ARGS: that variable is part of the build's fingerprint
#   and `make dev` must share the build without failing on a lint. Cargo replays a fresh
#   crate's warnings, so a second run finds the same ones.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

fail() { echo "tools/cargo.sh: $*" >&2; exit 1; }

deny=false bin_dir=false
case "${1:-}" in
  --deny-warnings) deny=true; shift ;;
  --bin-dir) bin_dir=true; shift ;;
esac

# The target `sam build` builds the Lambdas for: cargo-lambda's default, the template's x86_64.
lambda_target=x86_64-unknown-linux-gnu
lambda_build=false
[[ "$(uname -sm)" == "Linux x86_64" && -z "${EDGE_SHOP_HOST_BUILD:-}" ]] && lambda_build=true

if $bin_dir; then
  target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  if $lambda_build; then echo "$target_dir/$lambda_target/debug"; else echo "$target_dir/debug"; fi
  exit 0
fi

# NAME=value pairs cargo runs with, through env(1): some of cargo-lambda's names, such as
# BINDGEN_EXTRA_CLANG_ARGS_x86_64-unknown-linux-gnu, are not shell variables.
cargo_env=()
if $lambda_build; then
  venv="$(tools/venv.sh lambda sam/requirements-lambda.txt)" \
    || fail "tools/venv.sh lambda sam/requirements-lambda.txt failed"
  export PATH="$venv/bin:$PATH"
  probe="$(mktemp -d)"
  RECORD_CARGO_ENV="$probe/env" RECORD_CARGO_REAL="$(command -v cargo)" \
    CARGO="$root/tools/record-cargo-env" cargo-lambda lambda build --bin shop-local \
    > "$probe/log" 2>&1 || true
  [[ -s "$probe/env" ]] || { cat "$probe/log" >&2; rm -rf "$probe"; fail "cargo-lambda ran no cargo build: its build environment is unknown"; }
  while IFS= read -r -d '' kv; do
    name="${kv%%=*}"
    case "$name" in
      CARGO | PATH | PWD | OLDPWD | SHLVL | _ | CARGO_LAMBDA_COLOR | RECORD_CARGO_*) continue ;;
    esac
    # Only what cargo-lambda added or changed (an empty value counts: cargo tells unset and
    # empty apart); the rest is this shell's own environment.
    if printenv -- "$name" > /dev/null && [[ "$(printenv -- "$name")" == "${kv#*=}" ]]; then
      continue
    fi
    cargo_env+=("$kv")
  done < "$probe/env"
  linker="CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<< "$lambda_target")_LINKER"
  # grep -z reads the NUL-separated file itself: `tr … | grep -q` under pipefail fails at
  # random when grep exits on its match before tr has written the rest (SIGPIPE).
  if ! grep -qz "^$linker=" "$probe/env"; then
    cat "$probe/log" >&2; rm -rf "$probe"
    fail "cargo-lambda's build environment sets no $linker (has cargo-lambda changed?)"
  fi
  rm -rf "$probe"
  cargo_env+=("CARGO_BUILD_TARGET=$lambda_target")
  if [[ -n "${CARGO_SH_DEBUG:-}" ]]; then printf '%s\n' "${cargo_env[@]}" >&2; fi
fi

# The toolchain's own clippy-driver (not rustup's proxy): a stable path keeps the hash stable.
driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)"
[[ -x "$driver" ]] || { echo "tools/cargo.sh: clippy-driver not found (rustup component add clippy)" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER="$driver"
unset CLIPPY_ARGS

$deny || exec env "${cargo_env[@]}" cargo "$@"

set +e
env "${cargo_env[@]}" cargo "$@" --message-format=json | python3 -c '
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
