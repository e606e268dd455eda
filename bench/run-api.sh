#!/usr/bin/env bash
# Measures, in one run, an authenticated `GET /api/v1/me` on rapport with its embedded
# SQLite database against a bare axum hello-world (bench/hello) built with the same
# axum/tokio, using bench/loadgen. Prints a Markdown table for BENCHMARKS.md.
#
#   bash bench/run-api.sh
#
# Tunables (environment): BENCH_CONNECTIONS (32), BENCH_DURATION (10 seconds, measured),
# BENCH_WARMUP (2 seconds), BENCH_API_PORT (18080), BENCH_HELLO_PORT (18081),
# CARGO_TARGET_DIR (where cargo puts the release binaries; default ./target).
set -euo pipefail

echo "Command: bash bench/run-api.sh${*:+ $*}" \
    "(BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32} BENCH_DURATION=${BENCH_DURATION:-10}" \
    "BENCH_WARMUP=${BENCH_WARMUP:-2})"

CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
API_PORT=${BENCH_API_PORT:-18080}
HELLO_PORT=${BENCH_HELLO_PORT:-18081}
API="http://127.0.0.1:${API_PORT}"
HELLO="http://127.0.0.1:${HELLO_PORT}"
EMAIL="jordan@demo.rapport.localhost"
PASSWORD="rapport-demo-passphrase"

cd "$(dirname "$0")/.."
echo "Building release binaries..." >&2
cargo build --release --quiet -p rapport -p bench-hello -p bench-loadgen
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

wait_for() { # URL NAME LOG
    for _ in $(seq 1 200); do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "$2 did not come up at $1; its log:" >&2
    cat "$3" >&2
    exit 1
}

RUST_LOG=warn "$BIN/rapport" serve --demo --data-dir "$WORK/data" \
    --listen "127.0.0.1:${API_PORT}" --log-format json >"$WORK/rapport.log" 2>&1 &
PIDS+=($!)
"$BIN/bench-hello" "127.0.0.1:${HELLO_PORT}" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
wait_for "$API/healthz" rapport "$WORK/rapport.log"
wait_for "$HELLO/" bench-hello "$WORK/hello.log"

# Sign in as the demo client, then create a personal API token with the session.
cookie() { # NAME HEADERS_FILE -> value of the Set-Cookie NAME
    tr -d '\r' <"$2" | sed -n "s/^[Ss]et-[Cc]ookie: $1=\([^;]*\).*/\1/p" | tail -n 1
}
curl -fsS -D "$WORK/login.h" -o /dev/null -H 'Content-Type: application/json' \
    --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$API/api/v1/session"
SESSION=$(cookie __Host-rapport-session "$WORK/login.h")
CSRF=$(cookie __Host-rapport-csrf "$WORK/login.h")
if [[ -z $SESSION || -z $CSRF ]]; then
    echo "login did not set the session and CSRF cookies:" >&2
    cat "$WORK/login.h" >&2
    exit 1
fi
SECRET=$(curl -fsS -H 'Content-Type: application/json' \
    -H "Cookie: __Host-rapport-session=$SESSION; __Host-rapport-csrf=$CSRF" \
    -H "X-CSRF-Token: $CSRF" --data '{"name":"bench"}' "$API/api/v1/me/tokens" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
# One checked call, so a broken token fails here rather than as a table full of errors.
curl -fsS -o /dev/null -H "Authorization: Bearer $SECRET" "$API/api/v1/me"

load() { # URL [loadgen args...]
    "$BIN/bench-loadgen" --json -c "$CONNECTIONS" -d "$DURATION" -w "$WARMUP" "$@"
}
echo "Loading $API/api/v1/me and $HELLO/ (${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s each)..." >&2
load "$API/api/v1/me" --header "Authorization: Bearer $SECRET" >"$WORK/api.json"
load "$HELLO/" >"$WORK/hello.json"

python3 - "$WORK/api.json" "$WORK/hello.json" <<'PY'
import json, sys
api, hello = (json.load(open(p)) for p in sys.argv[1:3])
print()
print("| server | requests/s | p50 (ms) | p99 (ms) | errors | ratio to hello |")
print("|---|---:|---:|---:|---:|---:|")
for name, r in (("rapport `GET /api/v1/me` (bearer, SQLite)", api), ("bench-hello `GET /`", hello)):
    ratio = r["rps"] / hello["rps"] if hello["rps"] else float("nan")
    print(f"| {name} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {ratio:.0%} |")
PY
