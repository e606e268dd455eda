#!/usr/bin/env bash
# Coach latency: trains the model from the EPITOME data (never committed; see README),
# then measures load time and p50/p99 of a review on one core.
# Usage: bash bench/run-coach.sh [EPITOME_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${RAPPORT_EPITOME_DIR:-../shared/data/epitome}}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
echo "Command: bash bench/run-coach.sh $data"
cargo build --release -q -p rapport -p bench-coach
model="$(mktemp -d)/coach.model"
"$CARGO_TARGET_DIR/release/rapport" coach train --data "$data" --out "$model" >/dev/null
# One core, as the target asks.
taskset -c 0 "$CARGO_TARGET_DIR/release/bench-coach" "$model" 2000
rm -f "$model"
