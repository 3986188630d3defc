#!/usr/bin/env bash
# What each Lambda bootstrap is made of (issue 19: bootstraps over 8 MB show their parts).
# Builds the template's Rust functions as `make bench-init` does (natively, the release
# profile, the functions' three packages together), in cargo profile `release-symbols`: the release
# profile with the symbol table kept, in its own target folder (~20 min on 2 cores the first
# time). Prints for each bootstrap its stripped size (bench-init's), its largest sections and
# its symbols grouped by crate (bench/size/crates.py). A deploy's bootstraps differ slightly:
# zig links them, and `sam build` resolves features over the whole workspace.
# Usage: bench/size/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

mapfile -t bins < <(bash sam/bins.sh)
(( ${#bins[@]} > 0 )) || { echo "bench/size/run.sh: no Binary in sam/template.yaml" >&2; exit 1; }
echo "==> cargo build --profile release-symbols (${bins[*]})" >&2
cargo build --profile release-symbols --quiet -p edge-config -p bootstrap \
  $(printf -- '--bin %s ' "${bins[@]}")
dir="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release-symbols"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for bin in "${bins[@]}"; do
  objcopy --strip-all "$dir/$bin" "$tmp/$bin"
  echo
  echo "== $bin: $(( $(stat -c %s "$tmp/$bin") / 1024 )) KiB stripped"
  size -A "$tmp/$bin" | awk '$1 ~ /^\./ && $2 >= 262144 { printf "  section %-20s %5.2f MiB\n", $1, $2 / 1048576 }'
  python3 bench/size/crates.py "$dir/$bin" | sed '1s/^/  /'
done
