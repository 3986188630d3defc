#!/usr/bin/env bash
# Runs a stand-in as a child in its own process group and stops the whole
# group when the parent (a test binary or shop-local) goes away or when this
# script gets SIGTERM. Stand-ins thus never outlive what started them, even
# when a test binary exits without running destructors.
# Usage: supervise.sh PARENT_PID COMMAND [ARGS...]
parent="$1"; shift
setsid "$@" &
child=$!
stop() {
  kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$child" 2>/dev/null || exit 0; sleep 0.2; done
  kill -KILL -- "-$child" 2>/dev/null || kill -KILL "$child" 2>/dev/null
  exit 0
}
trap stop TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.3; done
if kill -0 "$child" 2>/dev/null; then stop; fi
wait "$child"
