#!/usr/bin/env bash
# Runs the browser journeys: builds shop-local (with the tests), starts it on a free port,
# waits until the shop answers, runs `node --test` on tests/journeys/ with
# Debian's Chromium driven by playwright-core (JOURNEYS=... for some files only), then stops shop-local (which
# stops every stand-in it started). Screenshots go to tests/output/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tools/apt.sh
bash tools/npm.sh
# Built as `make unit` builds it (cargo test builds the bins of packages with integration
# tests, with the workspace's features unified the same way), so after the unit stage this is
# a no-op instead of a second compilation of the SDKs with other features.
cargo test --workspace --no-run --quiet
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p tests/output
log="tests/output/shop-local.log"
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
"$target_dir/debug/shop-local" --port "$port" > "$log" 2>&1 &
pid=$!
cleanup() { kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 300); do
  if grep -q "^READY" "$log" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "shop-local exited early:"; cat "$log"; exit 1; fi
  sleep 0.5
done
grep -q "^READY" "$log" || { echo "shop-local did not become ready:"; cat "$log"; exit 1; }
export SHOP_URL="http://127.0.0.1:$port"
export SES_URL="$(sed -n 's/^SES_URL=//p' "$log" | head -1)"
export STRIPE_URL="$(sed -n 's/^STRIPE_URL=//p' "$log" | head -1)"
echo "==> browser journeys against $SHOP_URL"
set +e
# JOURNEYS=tests/journeys/3-x.test.mjs runs only those files (space-separated).
node --test --test-concurrency=1 ${JOURNEYS:-tests/journeys/}
status=$?
set -e
if [[ $status -ne 0 ]]; then echo "--- shop-local log (tail) ---"; tail -80 "$log"; fi
exit $status
