#!/bin/bash
# scripts/profile-validation/run.sh [dist dir] [seconds]: CPU per validation of the compiled server, memory registry
# (TICKET_REGISTRY=sql: the SQLite file's; REDIS_URL: Redis, its keys deleted afterwards; NODE_FLAGS: node's options;
# MODE=sso: SSO issuance, GET /login with a session's TGC, instead of validation; ACCOUNTS, SIGN_INS_EVERY_MS: server.mjs),
# under wrk -t2 -c64, in all and by thread (the main thread, the SQLite thread, V8's helpers: user and system time
# from /proc); PROFILE=1 also writes validation.cpuprofile (read it with bench/profile-summary.ts).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
DIST=$(cd "${1:-$HERE/../../dist}" && pwd); SECS=${2:-5}
export OUT=$(mktemp -d /tmp/wecas-profile-XXXX)
DIST=$DIST node $NODE_FLAGS "$HERE/server.mjs" > "$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do grep -q ready "$OUT/server.log" && break; sleep 0.5; done
# Each thread's id, name and user and system clock ticks (the fields after the name, which may hold spaces).
threads() { for t in /proc/$PID/task/*; do echo "$(basename "$t") $(tr ' ' _ < "$t/comm") $(sed 's/.*) //' "$t/stat" | cut -d' ' -f12,13)"; done | sort; }
threads > "$OUT/threads.before"
kill -USR1 $PID; sleep 0.2
wrk -t2 -c64 -d"${SECS}s" --latency -s "$HERE/load.lua" http://127.0.0.1:18555 > "$OUT/wrk.txt"
threads > "$OUT/threads.after"
kill -TERM $PID; wait $PID || true
tail -1 "$OUT/server.log"
N=$(tail -1 "$OUT/server.log" | sed 's/.*"succeeded":\([0-9]*\).*/\1/')
TICK_US=$((1000000 / $(getconf CLK_TCK)))
# Threads started in the window (the SQLite thread starts with the first audit batch) count from zero.
join -a2 -o 0,2.2,1.3,1.4,2.3,2.4 -e 0 "$OUT/threads.before" "$OUT/threads.after" |
  awk -v n="$N" -v tick="$TICK_US" -v main="$PID" '{ u = ($5 - $3) * tick / n; s = ($6 - $4) * tick / n;
    if (u + s >= 0.1) printf "  thread %s%s: user %.1f µs, system %.1f µs per validation\n", $1, ($1 == main ? " (main)" : " (" $2 ")"), u, s }'
grep -E "Requests/sec|99%" "$OUT/wrk.txt"
echo "output in $OUT"
