#!/usr/bin/env bash
# Throughput and latency of the web check as production serves it (issue 11): gunicorn with the
# project's settings (legalize.web.gunicorn_conf: each worker warmed and its long-lived objects
# frozen out of full garbage collections) on PostgreSQL with Redis counting the rate limits,
# driven by wrk on 127.0.0.1.
#
#   bash bench/webcheck.sh          (SECONDS_PER_ROUTE=10 CONNECTIONS=16 WORKERS=2 by default)
#   ROUTES=v WORKER_CLASS=sync WORKERS=3 bash bench/webcheck.sh    (only /V/, sync workers)
#   GUNICORN_ARGS='--reuse-port' ROUTES=v bash bench/webcheck.sh   (more gunicorn options)
#   SERVER=granian ROUTES=v bash bench/webcheck.sh   (the same app under granian instead of
#                                                      gunicorn: what the server itself costs;
#                                                      needs `pip install granian` in the venv)
#   INSTRUCTIONS=1 ROUTES=v bash bench/webcheck.sh   (also /V/'s instructions per request under
#                                                      callgrind, in one process and through a
#                                                      one-worker gunicorn: about 8 minutes)
#
# Needs: wrk (Debian package `wrk`, a bench tool, not a test requirement), PostgreSQL at
# PGURL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres; a temporary database
# is created and dropped) and Redis at REDIS_URL (default redis://127.0.0.1:6379/0, keys
# under a temporary prefix). It makes the dev PKI and the demo register (real sealed and
# signed documents) in a temporary folder, then drives for a bounded time each:
#   POST /                         the number-and-code check (CSRF token and session cookie)
#   GET  /V/<seal>                 the QR link: seal verified offline + register status
#   GET  /api/documents/N/status   the status API with a bearer token
# and prints requests per second and the p50/p99 latency of each, with the load average
# before and after (other work on the machine takes cores from both gunicorn and wrk).
# Goal on a 2-core machine: /V/ >= 1,000 requests/s with p99 <= 50 ms.
# The rate limits are set far above what wrk can send, so every request still counts its
# limit in Redis (that cost is part of the figure) but none is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
SECONDS_PER_ROUTE="${SECONDS_PER_ROUTE:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
WORKERS="${WORKERS:-2}"
THREADS="${THREADS:-4}"
WORKER_CLASS="${WORKER_CLASS:-gthread}"
ROUTES="${ROUTES:-post v api}"
PGURL="${PGURL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
SERVER="${SERVER:-gunicorn}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
if [ "$SERVER" = granian ] && [ ! -x "$BIN/granian" ]; then
  echo "granian is not installed in the venv ($BIN/pip install granian)" >&2; exit 2
fi

work="$(mktemp -d)"
dbname="legalize_bench_$$"
port=$((20000 + $$ % 20000))
gunicorn_pid=""
cleanup() {
  [ -n "$gunicorn_pid" ] && kill "$gunicorn_pid" 2>/dev/null && wait "$gunicorn_pid" 2>/dev/null
  "$BIN/python" - "$PGURL" "$dbname" <<'PY' || true
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
PY
  rm -rf "$work"
}
trap cleanup EXIT

export LEGALIZE_KEYS_DIR="$work/keys" LEGALIZE_INSTANCE_DIR="$work"
export DATABASE_URL="${PGURL%/*}/$dbname"
export LEGALIZE_RATE_PUBLIC="100000000/minute" LEGALIZE_RATE_API="100000000/minute"
export LEGALIZE_RATE_PREFIX="bench-$$"
unset LEGALIZE_ENV LEGALIZE_TSA_URL LEGALIZE_PKCS11_MODULE LEGALIZE_KEY_PASSPHRASE

"$BIN/python" -m compileall -q legalize verifier
"$BIN/legalize" keys init-dev >/dev/null
# The register: a temporary database, migrated, with the demo documents and a status client.
"$BIN/python" - "$PGURL" "$dbname" "$work" <<'PY'
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from sqlalchemy import create_engine, text
from legalize.cases import views
from legalize.cases.demo import seed_demo
from legalize.cases.issuer import bind_issuer
from legalize.config import Config
from legalize.registry import accounts
from legalize.registry.db import make_engine, make_session_factory, upgrade

server, name, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
    conn.execute(text(f'CREATE DATABASE "{name}"'))
config = Config.from_env()
engine = make_engine(config.database_url)
upgrade(engine)
now = datetime.now(UTC)
with make_session_factory(engine)() as session:
    seed_demo(session, now, bind_issuer(config))
    doc = next(
        c.document for c in views.list_cases(session, limit=100).items
        if c.kind == "readmission" and c.document is not None and c.document.status == "issued"
    )
    _, token = accounts.create_api_client(session, "bench", "DEU", ["status:read"], now)
    session.commit()
    path = "/" + doc.seal_text.split("://", 1)[1].split("/", 1)[1]
    (work / "target.json").write_text(json.dumps(
        {"number": doc.number, "check_code": doc.check_code, "seal_path": path, "token": token}
    ))
engine.dispose()
PY
field() { "$BIN/python" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/target.json" "$1"; }
number="$(field number)"; check_code="$(field check_code)"; seal_path="$(field seal_path)"
token="$(field token)"

if [ "$SERVER" = granian ]; then
  # The comparison that says how much of a request the server itself costs: the same app,
  # workers and threads under granian (Rust HTTP, the WSGI call in Python).
  "$BIN/granian" --interface wsgi --factory --host 127.0.0.1 --port "$port" \
    --workers "$WORKERS" --blocking-threads "$THREADS" --log-level warning \
    'legalize.web:create_app' &
  shape="granian: $WORKERS workers x $THREADS blocking threads"
else
  "$BIN/gunicorn" --bind "127.0.0.1:$port" --workers "$WORKERS" --worker-class "$WORKER_CLASS" \
    --threads "$THREADS" --log-level warning -c python:legalize.web.gunicorn_conf ${GUNICORN_ARGS:-} \
    --preload 'legalize.web:create_app()' &
  shape="gunicorn: $WORKERS $WORKER_CLASS workers x $THREADS threads"
fi
gunicorn_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs -o /dev/null "$base/" && break; sleep 0.2; done

# The form's CSRF token and the session cookie it belongs to, for wrk's POSTs.
page="$(curl -fs -c "$work/cookies" "$base/")"
csrf="$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)"
cookie="$(awk '$6 == "legalize_session" {print $6 "=" $7}' "$work/cookies")"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$cookie"
wrk.body = "csrf_token=$csrf&number=$number&check_code=$check_code"
LUA
# Each route must answer as a checker sees it before it is timed.
curl -fs -o /dev/null -b "$work/cookies" --data "csrf_token=$csrf&number=$number&check_code=$check_code" "$base/"
curl -fs "$base$seal_path" | grep -q "The seal is genuine"
curl -fs -H "Authorization: Bearer $token" "$base/api/documents/$number/status?check_code=$check_code" >/dev/null

if [ "${INSTRUCTIONS:-0}" = 1 ]; then
  # Instructions per /V/ request in one process (callgrind: N=400 minus N=0, so start-up
  # and warm-up cancel out); gunicorn's own share is not in it.
  command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
  for n in 0 400; do
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$n" \
      "$BIN/python" bench/seal_link_loop.py "$seal_path" "$n" >/dev/null 2>"$work/cg.$n.log"
  done
  total() { sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$1" | head -1; }
  echo "GET /V/<seal>: $(( ($(total "$work/cg.400") - $(total "$work/cg.0")) / 400 )) instructions per request (in-process, callgrind)"
  # The same through gunicorn (one gthread worker, 4 threads, one keep-alive client): the
  # worker's count with N=300 requests minus with none; the worker inherits the preloaded
  # app, so start-up cancels out too. gunicorn's HTTP parsing and threads are in this one.
  # Without the settings module: its warm-up builds fonts, minutes under valgrind, and
  # 300 requests are too few for a full collection either way.
  for n in 0 300; do
    gport=$((port + 1))
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$work/gcg.$n.%p" \
      "$BIN/python" "$BIN/gunicorn" --bind "127.0.0.1:$gport" --workers 1 --worker-class gthread \
      --threads 4 --timeout 600 --log-level warning --preload 'legalize.web:create_app()' \
      >"$work/gcg.$n.log" 2>&1 &
    vg=$!
    "$BIN/python" - "$gport" "$seal_path" "$n" <<'PY'
import http.client, sys, time
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for _ in range(600):  # valgrind starts the app slowly
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", "/")
        conn.getresponse().read()
        break
    except OSError:
        time.sleep(0.5)
for _ in range(50 + n):  # warm as seal_link_loop.py does, then the counted requests
    conn.request("GET", path)
    response = conn.getresponse()
    if response.status != 200 or b'data-verdict="VALID"' not in response.read():
        raise SystemExit(f"the link did not answer VALID: {response.status}")
PY
    kill -TERM "$vg"; wait "$vg" || true
  done
  # The worker's file is the one with the largest count (it inherits the master's).
  largest() { for f in "$@"; do total "$f"; done | sort -n | tail -1; }
  echo "GET /V/<seal>: $(( ($(largest "$work"/gcg.300.*) - $(largest "$work"/gcg.0.*)) / 300 )) instructions per request (through gunicorn, callgrind)"
fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   cores: $(nproc)"
echo "$shape; wrk: 1 thread, $CONNECTIONS connections, ${SECONDS_PER_ROUTE}s per route"
printf '%-28s %10s %10s %10s %8s %12s\n' route "req/s" "p50 ms" "p99 ms" non-2xx "cpu ms/req"
# CPU seconds (user + system) of the server's workers so far: the CPU a request costs is
# the figure a loaded machine does not distort (the wall-clock ones above depend on the load).
worker_cpu() {
  local total=0 pid
  for pid in $(pgrep -P "$gunicorn_pid"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
# CPU ticks of every process by name (postgres backends, redis-server, ...): where the two
# cores went during a route, the answer to "what limits it".
cpu_by_name() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk '{
    match($0, /\(.*\)/); name = substr($0, RSTART + 1, RLENGTH - 2)
    rest = substr($0, RSTART + RLENGTH + 1); split(rest, f, " ")
    ticks[name] += f[12] + f[13]
  } END { for (n in ticks) print n "\t" ticks[n] }' | LC_ALL=C sort
}
split_report() {
  local before="$1" after="$2" count="$3" wrk_ticks="$4" workers="$5"
  LC_ALL=C join -t $'\t' -a2 -e 0 -o 0,1.2,2.2 "$before" "$after" | awk -F'\t' -v n="$count" \
    -v hz="$(getconf CLK_TCK)" -v wrk="$wrk_ticks" -v workers="$workers" -v server="$SERVER" '
    $1 ~ /^postgres/ { pg += $3 - $2 } $1 == "redis-server" { redis += $3 - $2 }
    END { ms = 1000 / hz / n
      printf "  CPU ms/req: %s workers %.2f, postgres %.2f, redis %.2f, wrk %.2f", server, workers * ms, pg * ms, redis * ms, wrk * ms
      printf " (all processes of those names: quiet machine only)\n" }'
}
run() {
  local label="$1"; shift
  local out before after
  cpu_by_name >"$work/cpu.before"
  before="$(worker_cpu)"
  TIMEFORMAT='%U %S'
  { time wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUTE}s" --latency "$@" >"$work/wrk.out"; } 2>"$work/wrk.time"
  out="$(cat "$work/wrk.out")"
  after="$(worker_cpu)"
  cpu_by_name >"$work/cpu.after"
  printf '%s\n' "$out" | CPU_TICKS=$((after - before)) TICK_HZ="$(getconf CLK_TCK)" "$BIN/python" -c '
import os, re, sys
text, label = sys.stdin.read(), sys.argv[1]
def ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
count = int(re.search(r"(\d+) requests in", text).group(1))
cpu = int(os.environ["CPU_TICKS"]) / int(os.environ["TICK_HZ"]) * 1000 / max(count, 1)
print(f"{label:<28} {rps:>10.0f} {p50:>10.1f} {p99:>10.1f} {bad.group(1) if bad else 0:>8} {cpu:>12.2f}")
' "$label"
  local count wrk_ticks
  count="$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.out")"
  wrk_ticks="$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($1 + $2) * hz}' "$work/wrk.time")"
  split_report "$work/cpu.before" "$work/cpu.after" "${count:-1}" "$wrk_ticks" $((after - before))
}
for route in $ROUTES; do
  case "$route" in
    post) run "POST / (number + code)" -s "$work/post.lua" "$base/" ;;
    v) run "GET /V/<seal>" "$base$seal_path" ;;
    api) run "GET /api/.../status" -H "Authorization: Bearer $token" \
      "$base/api/documents/$number/status?check_code=$check_code" ;;
    *) echo "unknown route $route (post, v, api)" >&2; exit 2 ;;
  esac
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
