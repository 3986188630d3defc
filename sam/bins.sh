#!/usr/bin/env bash
# Prints the bin of every Rust function in sam/template.yaml (its `BuildProperties: Binary`),
# one per line: the functions sam/check.sh checks and bench/size/run.sh measures.
set -euo pipefail
sed -n 's/^ *Binary: *\([A-Za-z0-9_-]*\) *$/\1/p' "$(dirname "$0")/template.yaml" | sort -u
