#!/usr/bin/env bash
# Start-up of the console scripts as a user meets it: the median wall time of the whole
# process (issue 9). Goals: verifier seal <= 120 ms, verifier pdf <= 300 ms,
# legalize --help <= 250 ms; legalize issue ttd is printed beside them, without a goal, and
# the bare interpreter (python -c pass) as the floor every command stands on.
#
# It makes what it measures in a temporary folder: the dev PKI, one TTD (PDF) and its seal.
# With hyperfine (Debian package `hyperfine`) it runs each command RUNS times after WARMUP
# runs; without, a plain loop in Python does the same. The goals are wall times on an idle
# machine; the CPU time (user + system) beside them moves much less when other work shares
# the cores, so compare that when the load average printed is above the number of cores.
#
#   bash bench/startup.sh            (RUNS=20 WARMUP=3 VENV=.venv by default)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
RUNS="${RUNS:-20}"
WARMUP="${WARMUP:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

export LEGALIZE_KEYS_DIR="$work/keys" DATABASE_URL="sqlite:///$work/register.sqlite3"
unset LEGALIZE_ENV LEGALIZE_TSA_URL LEGALIZE_PKCS11_MODULE LEGALIZE_KEY_PASSPHRASE

# As installed: pip compiles the bytecode of a package, and Python caches it for an editable
# install unless PYTHONDONTWRITEBYTECODE is set (then every run compiles our modules again).
"$BIN/python" -m compileall -q legalize verifier
"$BIN/legalize" keys init-dev >/dev/null
# The example request with today's dates, so the document verifies VALID whenever this runs.
"$BIN/python" - "$work" <<'PY'
import json, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

work, examples = Path(sys.argv[1]), Path("examples")
today = datetime.now(UTC).date()
request = json.loads((examples / "ttd.json").read_text())
request.update(
    photo=str((examples / "holder.jpg").resolve()),
    issue_date=today.isoformat(),
    expiry_date=(today + timedelta(days=30)).isoformat(),
)
(work / "ttd.json").write_text(json.dumps(request))
PY
issue=("$BIN/legalize" issue ttd --json "$work/ttd.json" --out "$work/ttd.pdf" --number T26000001)
"${issue[@]}" | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["qr_text"])' \
  >"$work/seal.txt"
trust="$work/keys/trust"
"$BIN/verifier" seal --file "$work/seal.txt" --trust-store "$trust" >/dev/null
"$BIN/verifier" pdf "$work/ttd.pdf" --trust-store "$trust" >/dev/null

names=("verifier seal" "verifier pdf" "legalize --help" "legalize issue ttd" "python -c pass")
goals=(120 300 250 - -)
commands=(
  "$BIN/verifier seal --file $work/seal.txt --trust-store $trust"
  "$BIN/verifier pdf $work/ttd.pdf --trust-store $trust"
  "$BIN/legalize --help"
  "${issue[*]}"
  "$BIN/python -c pass"
)

if command -v hyperfine >/dev/null; then
  hyperfine -N --style none --runs "$RUNS" --warmup "$WARMUP" \
    --export-json "$work/times.json" "${commands[@]}" >/dev/null
  tool="hyperfine -N, $RUNS runs + $WARMUP warm-up"
else
  "$BIN/python" - "$work/times.json" "$RUNS" "$WARMUP" "${commands[@]}" <<'PY'
import json, resource, shlex, statistics, subprocess, sys, time

out, runs, warmup, commands = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
results = []
for command in commands:
    times, user, system = [], [], []
    for i in range(warmup + runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(shlex.split(command), stdout=subprocess.DEVNULL, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= warmup:
            times.append(time.perf_counter() - start)
            user.append(after.ru_utime - before.ru_utime)
            system.append(after.ru_stime - before.ru_stime)
    results.append(
        {
            "command": command,
            "median": statistics.median(times),
            "user": statistics.mean(user),
            "system": statistics.mean(system),
        }
    )
with open(out, "w") as file:
    json.dump({"results": results}, file)
PY
  tool="Python loop (no hyperfine), $RUNS runs + $WARMUP warm-up"
fi

echo "start-up of the whole process ($tool; load average $(cut -d' ' -f1 /proc/loadavg))"
echo "  command              median wall   mean CPU (user+sys)"
"$BIN/python" - "$work/times.json" "${names[@]}" -- "${goals[@]}" <<'PY'
import json, sys

args = sys.argv[2:]
split = args.index("--")
names, goals = args[:split], args[split + 1 :]
results = json.load(open(sys.argv[1]))["results"]
for name, goal, result in zip(names, goals, results, strict=True):
    ms = result["median"] * 1000
    cpu = (result["user"] + result["system"]) * 1000
    verdict = "" if goal == "-" else ("  ok" if ms <= int(goal) else "  OVER")
    target = "" if goal == "-" else f"goal <= {goal} ms"
    print(f"  {name:<20} {ms:7.0f} ms   {cpu:7.0f} ms   {target}{verdict}")
PY
