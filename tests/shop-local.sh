# Sourced by the scripts that test through a running shop (tests/run-journeys.sh,
# tests/contract/run.sh): installs what is missing, builds shop-local as `make unit` builds it,
# starts it on a free port with its own stand-ins, waits until it is ready, and stops it (and
# so every stand-in it started) when the calling script exits.
# After `start_shop_local`: SHOP_URL, SES_URL and STRIPE_URL are exported; its log is
# tests/output/shop-local-<pid>.log ($SHOP_LOCAL_LOG).
start_shop_local() {
  bash tools/apt.sh
  bash tools/npm.sh
  # Built as `make lint` and `make dev` build it: after lint, a no-op.
  local bin port
  bin="$(bash tools/build-shop-local.sh --quiet)"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  mkdir -p tests/output
  # One log per run: two runs at once must not read each other's addresses.
  SHOP_LOCAL_LOG="tests/output/shop-local-$$.log"
  "$bin" --port "$port" > "$SHOP_LOCAL_LOG" 2>&1 &
  SHOP_LOCAL_PID=$!
  trap 'kill -INT "$SHOP_LOCAL_PID" 2>/dev/null || true; wait "$SHOP_LOCAL_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    if grep -q "^READY" "$SHOP_LOCAL_LOG" 2>/dev/null; then break; fi
    if ! kill -0 "$SHOP_LOCAL_PID" 2>/dev/null; then echo "shop-local exited early:"; cat "$SHOP_LOCAL_LOG"; exit 1; fi
    sleep 0.5
  done
  grep -q "^READY" "$SHOP_LOCAL_LOG" || { echo "shop-local did not become ready:"; cat "$SHOP_LOCAL_LOG"; exit 1; }
  export SHOP_URL="http://127.0.0.1:$port"
  SES_URL="$(sed -n 's/^SES_URL=//p' "$SHOP_LOCAL_LOG" | head -1)"
  STRIPE_URL="$(sed -n 's/^STRIPE_URL=//p' "$SHOP_LOCAL_LOG" | head -1)"
  export SES_URL STRIPE_URL
}
