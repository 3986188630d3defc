#!/usr/bin/env bash
# Ensures a Python virtualenv with pinned requirements exists under .local-deps/.
# Usage: tools/venv.sh NAME REQUIREMENTS_FILE   (prints the venv's path)
# Re-installs when the requirements file changes; quiet when nothing is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="$1"; req="$2"
venv="$root/.local-deps/venv-$name"
stamp="$venv/.requirements.sha256"
mkdir -p "$root/.local-deps"
exec 9>"$root/.local-deps/venv-$name.lock"
flock 9
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$venv"; exit 0
fi
echo "==> installing Python tools '$name' from $req into $venv" >&2
python3 -m venv "$venv" >&2
if ! "$venv/bin/pip" install --quiet -r "$req" >&2; then
  echo "error: pip install -r $req into $venv failed (see the output above)" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "$venv"
