#!/usr/bin/env bash
# Runs the browser journeys: starts shop-local on a free port (tests/shop-local.sh), runs
# `node --test` on tests/journeys/ with Debian's Chromium driven by playwright-core
# (JOURNEYS=... for some files only), then stops shop-local (which stops every stand-in it
# started). Screenshots go to tests/output/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source tests/shop-local.sh
start_shop_local
echo "==> browser journeys against $SHOP_URL"
set +e
# JOURNEYS=tests/journeys/3-x.test.mjs runs only those files (space-separated).
node --test --test-concurrency=1 ${JOURNEYS:-tests/journeys/}
status=$?
set -e
if [[ $status -ne 0 ]]; then echo "--- shop-local log (tail) ---"; tail -80 "$SHOP_LOCAL_LOG"; fi
exit $status
