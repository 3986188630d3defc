#!/usr/bin/env bash
# The checkout race (issue 14), measured: N distinct buyers with real card tokens
# (localstripe) check out at once for K units through the shopper API in process, over
# DynamoDB Local; the reservation transaction decides who is held. Prints the checkout
# latency (p50/p95/max), the race's wall time and the time to confirm and settle the K
# orders (confirm call + order-events: stock, capture, email). The same test asserts the
# outcome (exactly K authorised, N−K sold_out with no PaymentIntent, stock 0, reserved 0).
# Usage: bench/checkout/run.sh [N] [K]   (default 200 buyers, 10 units)
# Release build: the figures are for the code, not for debug assertions.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export BENCH_N="${1:-200}" BENCH_K="${2:-10}"
cargo test --release -p functions --test reservations -- --exact \
  n_buyers_race_for_k_units_and_only_k_cards_are_held --nocapture 2>&1 \
  | grep -E "^checkout race:|test result|panicked"
