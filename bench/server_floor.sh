#!/usr/bin/env bash
# What the HTTP server alone costs a request, before the app: a WSGI app that returns a fixed
# 1,800-byte body (the size of the QR link's page) under the servers bench/webcheck.sh can
# run, one worker each, driven by wrk on 127.0.0.1 with keep-alive. Prints requests per
# second and the worker's CPU per request (user and system), the floor under every figure of
# bench/webcheck.sh (issue 11: "say what limits it").
#
#   bash bench/server_floor.sh                  (SECONDS_PER_RUN=8 CONNECTIONS=16 THREADS=4)
#
# Needs wrk (Debian package `wrk`); granian is measured when it is installed in the venv
# (`.venv/bin/pip install granian`; a bench tool, not a project dependency).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-8}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-4}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/fixed_app.py" <<'PY'
BODY = b"x" * 1800


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(BODY)))])
    return [BODY]
PY

measure() {
  local label="$1" port="$2"; shift 2
  "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  local worker
  worker="$(pgrep -P "$server_pid" | head -1)"
  [ -n "$worker" ] || { echo "$label: no worker process" >&2; cat "$work/server.log" >&2; exit 1; }
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$worker/stat")
  wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$port/" >"$work/wrk.out"
  read -r u2 s2 < <(awk '{print $14, $15}' "/proc/$worker/stat")
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  local n rps hz
  n="$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.out")"
  rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/wrk.out")"
  hz="$(getconf CLK_TCK)"
  awk -v l="$label" -v r="$rps" -v n="$n" -v u=$((u2 - u1)) -v s=$((s2 - s1)) -v hz="$hz" \
    'BEGIN { printf "%-34s %10.0f %10.0f %10.0f %10.0f\n", l, r, (u + s) * 1e6 / hz / n, u * 1e6 / hz / n, s * 1e6 / hz / n }'
}

port=$((30000 + $$ % 20000))
echo "one worker, $THREADS threads; wrk: 1 thread, $CONNECTIONS connections, ${SECONDS_PER_RUN}s; load average $(cut -d' ' -f1-3 /proc/loadavg), cores $(nproc)"
printf '%-34s %10s %10s %10s %10s\n' server "req/s" "cpu us/req" "user us" "sys us"
measure "gunicorn gthread" "$port" "$BIN/gunicorn" --bind "127.0.0.1:$port" --workers 1 \
  --worker-class gthread --threads "$THREADS" --log-level warning --chdir "$work" fixed_app:app
if [ -x "$BIN/granian" ]; then
  port=$((port + 1))
  measure "granian" "$port" "$BIN/granian" --interface wsgi --host 127.0.0.1 --port "$port" \
    --workers 1 --blocking-threads "$THREADS" --log-level warning --working-dir "$work" fixed_app:app
else
  echo "granian: not installed in the venv (skipped)"
fi
