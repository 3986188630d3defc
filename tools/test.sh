#!/usr/bin/env bash
# `make test`: every stage, each one's time printed, in two overlapped phases.
#
#   phase 1   lint (the one build of the workspace)  beside  deps, deps-test (apt, npm, venvs:
#             mostly downloading; deps-test: the SAM CLI and the edge bundle sam-check packages)
#   phase 2   sam-check (sam build finds the dependencies compiled by lint: it compiles the
#             workspace's own crates and links; its linters run beside it), edge-test, unit
#             beside journeys, contract (Chromium and schemathesis against shop-local)
#
# On 2 cores, a stage that waits leaves a core to one that works: the phases end when their
# slower side does, not after both. sam-check comes before unit on its side: sam build writes
# the functions' binaries where a unit test runs one (CARGO_BIN_EXE_shop-api). The journeys
# run shop-local, which sam build does not touch, with stand-ins of their own on free ports.
# Lines of the side run in the background carry its stages' names; a failed stage fails
# `make test` once both sides have ended.
# Usage: tools/test.sh        (TEST_SERIAL=1 runs the stages one after the other, as before)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
make_="${MAKE:-make} --no-print-directory"

t0=$(date +%s)
times=()

# Runs stages one after another; prints each one's time; stops at the first failure.
chain() {
  local stage s
  for stage in "$@"; do
    s=$(date +%s)
    $make_ "$stage" || { echo "==> make $stage FAILED after $(( $(date +%s) - s )) s" >&2; return 1; }
    echo "==> make $stage took $(( $(date +%s) - s )) s (load average $(cut -d' ' -f1 /proc/loadavg))"
  done
}

# Runs `chain FG…` here and `chain BG…` beside it (its lines prefixed); fails if either does.
beside() {
  local -a fg=() bg=()
  local side=fg arg
  for arg in "$@"; do
    if [[ "$arg" == "--" ]]; then side=bg; continue; fi
    if [[ $side == fg ]]; then fg+=("$arg"); else bg+=("$arg"); fi
  done
  local label
  label="$(IFS=+; echo "${bg[*]}")"
  ( chain "${bg[@]}" 2>&1 | sed -u "s/^/[$label] /" ; exit "${PIPESTATUS[0]}" ) &
  local bg_pid=$! fg_status=0 bg_status=0
  chain "${fg[@]}" || fg_status=$?
  wait "$bg_pid" || bg_status=$?
  (( fg_status == 0 && bg_status == 0 ))
}

phase() {
  local name="$1"; shift
  local s
  s=$(date +%s)
  echo "==> phase $name: $*"
  if [[ -n "${TEST_SERIAL:-}" ]]; then
    local -a stages=()
    local arg
    for arg in "$@"; do [[ "$arg" == "--" ]] || stages+=("$arg"); done
    chain "${stages[@]}" || return 1
  else
    beside "$@" || return 1
  fi
  times+=("phase $name $(( $(date +%s) - s )) s")
}

status=0
phase 1 lint -- deps deps-test || status=1
if (( status == 0 )); then
  phase 2 sam-check edge-test unit -- journeys contract || status=1
fi
printf '==> %s\n' "${times[@]}"
if (( status != 0 )); then
  echo "==> make test: FAILED after $(( $(date +%s) - t0 )) s" >&2
  exit 1
fi
echo "==> make test: all green in $(( $(date +%s) - t0 )) s"
