#!/usr/bin/env bash
# Directory at scale: generates N therapists (default 50,000; seeded, so both backends get
# the same data and the same queries) and measures p50/p95/p99 of a filtered search with
# free text, one without text, and matching (the server's own
# `rapport_server::directory::matching::find`), on SQLite (a fresh file in a temp dir) and
# PostgreSQL (a fresh database, dropped afterwards). First checks, on 400 therapists, that
# the bulk loader writes what the store's own methods write.
# Usage: bash bench/run-directory.sh [POSTGRES_SERVER_URL]
# Environment: BENCH_THERAPISTS (50000), BENCH_PG_THERAPISTS (same), BENCH_QUERIES (1000),
# BENCH_SEED (42).
set -euo pipefail
cd "$(dirname "$0")/.."
pg="${1:-${RAPPORT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
n="${BENCH_THERAPISTS:-50000}"
pg_n="${BENCH_PG_THERAPISTS:-$n}"
queries="${BENCH_QUERIES:-1000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
echo "Command: BENCH_THERAPISTS=$n BENCH_PG_THERAPISTS=$pg_n BENCH_QUERIES=$queries BENCH_SEED=${BENCH_SEED:-42} bash bench/run-directory.sh $pg"
cargo build --release -q -p bench-directory
bin="$CARGO_TARGET_DIR/release/bench-directory"

dir="$(mktemp -d)"
db="bench_directory_$$"
cleanup() {
  rm -rf "$dir"
  psql -q "$pg" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo; echo "### Loader check (SQLite)"
"$bin" check "sqlite://$dir/check-a.db" "sqlite://$dir/check-b.db" 400

echo; echo "### SQLite"
"$bin" "sqlite://$dir/rapport.db" "$n" "$queries"

echo; echo "### PostgreSQL"
psql -q "$pg" -c "CREATE DATABASE $db" >/dev/null
"$bin" "${pg%/*}/$db" "$pg_n" "$queries"
