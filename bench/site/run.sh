#!/usr/bin/env bash
# Static-site benchmark: pages/second rendering generated catalogues of 10,000
# and 100,000 products to disk (release build), and the gzip bytes a product
# page costs (HTML + CSS + JS, images excluded).
#
# Goals (issue 6): >= 11,500 pages/s (10x Zola's ~1,150), <= 25 KB gzip per product page.
# Usage: bash bench/site/run.sh [COUNTS...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."

counts=("$@")
[ ${#counts[@]} -eq 0 ] && counts=(10000 100000)

cargo build --release -q -p static-site
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/release/shop-site"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-site.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(uname -sr)"
for n in "${counts[@]}"; do
  "$bin" generate --count "$n" --out "$work/catalogue-$n.json" >/dev/null
  rm -rf "$work/out-$n"
  # Summary line: "<pages> pages, <files> files, <bytes> bytes in <s> s (<rate> pages/s)"
  line=$("$bin" build --quiet --catalogue "$work/catalogue-$n.json" --out "$work/out-$n")
  echo "render $n products: $line"
  rate=$(sed -E 's/.*\(([0-9]+) pages\/s\).*/\1/' <<<"$line")
  verdict=$([ "$rate" -ge 11500 ] && echo "meets" || echo "MISSES")
  echo "  -> $rate pages/s, $verdict the goal of 11,500 pages/s"
  if [ "$n" = "${counts[0]}" ]; then
    size=$("$bin" size --dir "$work/out-$n" | tee /dev/stderr | tail -1)
    gz=$(sed -E 's/.* ([0-9]+) bytes gzip.*/\1/' <<<"$size")
    verdict=$([ "$gz" -le 25600 ] && echo "meets" || echo "MISSES")
    echo "  -> product page $gz bytes gzip (HTML+CSS+JS), $verdict the goal of 25 KB"
  fi
  rm -rf "$work/out-$n"
done
# The demo catalogue, for scale.
"$bin" build --quiet --catalogue local/demo/catalogue.json --out "$work/demo" | sed 's/^/render demo catalogue: /'
