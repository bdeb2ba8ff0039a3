#!/bin/bash
# scripts/profile-validation/run.sh [dist dir] [seconds]: CPU per validation of the compiled server, memory registry
# (TICKET_REGISTRY=sql: the SQLite file's),
# under wrk -t2 -c64; PROFILE=1 also writes validation.cpuprofile (read it with bench/profile-summary.ts).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
DIST=$(cd "${1:-$HERE/../../dist}" && pwd); SECS=${2:-5}
export OUT=$(mktemp -d /tmp/wecas-profile-XXXX)
DIST=$DIST node "$HERE/server.mjs" > "$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do grep -q ready "$OUT/server.log" && break; sleep 0.5; done
kill -USR1 $PID; sleep 0.2
wrk -t2 -c64 -d"${SECS}s" --latency -s "$HERE/validate.lua" http://127.0.0.1:18555 > "$OUT/wrk.txt"
kill -TERM $PID; wait $PID || true
tail -1 "$OUT/server.log"
grep -E "Requests/sec|99%" "$OUT/wrk.txt"
echo "output in $OUT"
