#!/usr/bin/env bash
# Scheduling: slot generation for a year of availability (in memory, Europe/Berlin and
# America/New_York), then booking through `Store::book` with the server's own check
# (`rapport_server::scheduling::booking::verify`) inside the booking turn, on SQLite (a
# fresh file in a temp dir) and PostgreSQL (a fresh database created by bench-schedule and
# dropped afterwards): 1,000 bookings one at a time, a year of slots listed by the server's
# `scheduling::availability::offered`, 100 tasks racing for one start (exactly one must
# win, per round), and 64 workers booking distinct free slots of one therapist.
# Usage: bash bench/run-schedule.sh [POSTGRES_SERVER_URL]
# Environment: BENCH_ITERATIONS (300), BENCH_TASKS (100), BENCH_ROUNDS (10),
# BENCH_WORKERS (64), BENCH_SECONDS (5), BENCH_SEED (42); BENCH_SQLITE_SYNCHRONOUS=normal
# runs SQLite as `--sqlite-synchronous normal` does (default: the product's FULL);
# BENCH_SKIP_POSTGRES=1 runs slot generation and SQLite only.
set -euo pipefail
cd "$(dirname "$0")/.."
pg="${1:-${RAPPORT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
iterations="${BENCH_ITERATIONS:-300}"
tasks="${BENCH_TASKS:-100}"
rounds="${BENCH_ROUNDS:-10}"
workers="${BENCH_WORKERS:-64}"
seconds="${BENCH_SECONDS:-5}"
seed="${BENCH_SEED:-42}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
echo "Command: ${BENCH_SQLITE_SYNCHRONOUS:+BENCH_SQLITE_SYNCHRONOUS=$BENCH_SQLITE_SYNCHRONOUS }BENCH_ITERATIONS=$iterations BENCH_TASKS=$tasks BENCH_ROUNDS=$rounds BENCH_WORKERS=$workers BENCH_SECONDS=$seconds BENCH_SEED=$seed bash bench/run-schedule.sh $pg"
cargo build --release -q -p bench-schedule
bin="$CARGO_TARGET_DIR/release/bench-schedule"
machine() {
  echo "Machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
}
book=(--tasks "$tasks" --rounds "$rounds" --workers "$workers" --seconds "$seconds" --seed "$seed")

echo; machine
echo; echo "### Slot generation (in memory)"
"$bin" slots --iterations "$iterations" --seed "$seed"

echo; echo "### SQLite"
"$bin" book sqlite "${book[@]}"

if [ -z "${BENCH_SKIP_POSTGRES:-}" ]; then
echo; echo "### PostgreSQL"
"$bin" book postgres --postgres-url "$pg" "${book[@]}"
fi

echo; machine
