#!/usr/bin/env bash
# Vault cost: p50/p99 of sealing/opening a 1 KiB value as the client (no access event) and
# as their therapist in active care (with one), and records/s of plain vs sealed one-record
# write transactions (a contact request stored with the store's own method), on SQLite (a
# fresh file in a temp dir) and PostgreSQL (a fresh database, dropped afterwards).
# Environment: BENCH_VAULT_RECORDS / BENCH_VAULT_OPS override the record and operation
# counts of both backends (defaults: SQLite 3000 / 2000, PostgreSQL 2000 / 1000);
# BENCH_SQLITE_SYNCHRONOUS=normal runs SQLite as `--sqlite-synchronous normal` does (the
# default is the product's, FULL); BENCH_SKIP_POSTGRES=1 runs SQLite only.
# Usage: bash bench/run-vault.sh [POSTGRES_SERVER_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
pg="${1:-${RAPPORT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
echo "Command: ${BENCH_SQLITE_SYNCHRONOUS:+BENCH_SQLITE_SYNCHRONOUS=$BENCH_SQLITE_SYNCHRONOUS }${BENCH_VAULT_RECORDS:+BENCH_VAULT_RECORDS=$BENCH_VAULT_RECORDS }${BENCH_VAULT_OPS:+BENCH_VAULT_OPS=$BENCH_VAULT_OPS }bash bench/run-vault.sh $pg"
cargo build --release -q -p bench-vault
bin="$CARGO_TARGET_DIR/release/bench-vault"

dir="$(mktemp -d)"
db="bench_vault_$$"
cleanup() {
  rm -rf "$dir"
  psql -q "$pg" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo; echo "### SQLite"
"$bin" "sqlite://$dir/rapport.db" "${BENCH_VAULT_RECORDS:-3000}" "${BENCH_VAULT_OPS:-2000}"

[ -n "${BENCH_SKIP_POSTGRES:-}" ] && exit 0
echo; echo "### PostgreSQL"
psql -q "$pg" -c "CREATE DATABASE $db" >/dev/null
"$bin" "${pg%/*}/$db" "${BENCH_VAULT_RECORDS:-2000}" "${BENCH_VAULT_OPS:-1000}"
