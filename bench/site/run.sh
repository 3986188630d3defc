#!/usr/bin/env bash
# Static-site benchmark: pages/second rendering generated catalogues of 10,000
# and 100,000 products to disk (release build), and the gzip bytes a product
# page costs (HTML + CSS + JS, images excluded).
#
# Goals (issue 6): >= 11,500 pages/s (10x Zola's ~1,150), <= 25 KB gzip per product page.
# Each render goes to a fresh directory on the work disk ($TMPDIR or /tmp) and, when
# /dev/shm exists, to memory as well: the disk figure is mostly the file system's
# cost of making one directory and one file per product (page URLs are `/p/<sku>/`).
# Outputs are deleted only at the end: ext4 without a journal slows inode
# allocation for ~30 s after a large delete, which would skew the next run.
# Usage: bash bench/site/run.sh [COUNTS...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."

counts=("$@")
[ ${#counts[@]} -eq 0 ] && counts=(10000 100000)

cargo build --release -q -p static-site
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/release/shop-site"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-site.XXXXXX")
shm=""
[ -d /dev/shm ] && [ -w /dev/shm ] && shm=$(mktemp -d /dev/shm/bench-site.XXXXXX)
trap 'rm -rf "$work" ${shm:+"$shm"}' EXIT

rate_of() { sed -E 's/.*\(([0-9]+) pages\/s\).*/\1/' <<<"$1"; }
verdict() { [ "$1" -ge 11500 ] && echo "meets" || echo "misses"; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)"
for n in "${counts[@]}"; do
  "$bin" generate --count "$n" --out "$work/catalogue-$n.json" >/dev/null
done
for n in "${counts[@]}"; do
  # Summary line: "<pages> pages, <files> files, <bytes> bytes in <s> s (<rate> pages/s)"
  line=$("$bin" build --quiet --catalogue "$work/catalogue-$n.json" --out "$work/out-$n")
  r=$(rate_of "$line")
  echo "render $n products to disk:   $line -> $(verdict "$r") the 11,500 pages/s goal"
  if [ -n "$shm" ]; then
    line=$("$bin" build --quiet --catalogue "$work/catalogue-$n.json" --out "$shm/out-$n")
    r=$(rate_of "$line")
    echo "render $n products to memory: $line -> $(verdict "$r") the 11,500 pages/s goal"
    rm -rf "${shm:?}/out-$n"
  fi
done
size=$("$bin" size --dir "$work/out-${counts[0]}")
echo "$size"
gz=$(tail -1 <<<"$size" | sed -E 's/.* ([0-9]+) bytes gzip.*/\1/')
echo "product page: $gz bytes gzip (HTML+CSS+JS) -> $([ "$gz" -le 25600 ] && echo meets || echo misses) the 25 KB goal"
"$bin" build --quiet --catalogue local/demo/catalogue.json --out "$work/demo" | sed 's/^/render demo catalogue: /'
