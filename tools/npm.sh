#!/usr/bin/env bash
# Ensures the pinned npm packages (package-lock.json) are installed in node_modules/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mkdir -p .local-deps
exec 9>.local-deps/npm.lock
flock 9
stamp="node_modules/.lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then exit 0; fi
echo "==> installing npm packages (npm ci)" >&2
if ! npm ci --no-audit --no-fund --loglevel=error >&2; then
  echo "error: 'npm ci' in $root failed (see the output above)" >&2
  exit 1
fi
echo "$want" > "$stamp"
