#!/bin/bash
# scripts/profile-validation/instructions.sh [dist dir]: user-space instructions per validation of the compiled
# server (memory registry; TICKET_REGISTRY=sql and REDIS_URL as for run.sh), counted by valgrind's callgrind.
# Instruction counts do not move with the machine's load, where the CPU time run.sh reads can move by half between
# two runs: A/B two builds with this (`node scripts/build.mjs --out dist-b`), a run or two each. What it leaves out:
# the kernel's share (system calls, loopback TCP), and timing effects (fewer requests per turn of the event loop
# under valgrind, so less shared per SQLite commit or audit batch). About 2 minutes a run.
# wrk (-t2 -c8) runs for 45 s; callgrind counts from the 20th to the 40th second, after the JIT has warmed up, and
# the requests in that window are the calls to llhttp_execute (one per request read, as wrk sends one at a time).
set -e
command -v valgrind > /dev/null || { echo "needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
DIST=$(cd "${1:-$HERE/../../dist}" && pwd)
export OUT=$(mktemp -d /tmp/wecas-instructions-XXXX)
TICKETS=50000 DIST=$DIST valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no \
  --callgrind-out-file="$OUT/callgrind.out" node "$HERE/server.mjs" > "$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do grep -q ready "$OUT/server.log" && break; sleep 1; done
grep -q ready "$OUT/server.log" || { echo "the server did not start: $OUT/server.log" >&2; kill $PID; exit 1; }
wrk -t2 -c8 -d45s -s "$HERE/load.lua" http://127.0.0.1:18555 > "$OUT/wrk.txt" &
WRK=$!
sleep 20; callgrind_control -i on $PID > /dev/null 2>&1
sleep 20; callgrind_control -i off $PID > /dev/null 2>&1
wait $WRK
kill -TERM $PID; wait $PID || true
grep -q '"succeeded"' "$OUT/server.log" || { echo "no result: $OUT/server.log" >&2; exit 1; }
# callgrind names a function once, (id) name, then by (id) alone; "calls=N" follows each cfn= line of a caller.
node -e '
  const lines = require("node:fs").readFileSync(process.argv[1], "utf8").split("\n");
  const names = new Map(); let callee; let requests = 0; let total = 0;
  for (const line of lines) {
    const fn = /^(c?)fn=\((\d+)\)(?: (.*))?/.exec(line);
    if (fn) { if (fn[3]) names.set(fn[2], fn[3].trim()); callee = fn[1] ? names.get(fn[2]) : undefined; continue; }
    if (line.startsWith("calls=") && callee === "llhttp_execute") requests += Number(line.slice(6).split(" ")[0]);
    if (line.startsWith("totals:")) total = Number(line.split(" ")[1]);
    if (line.startsWith("calls=")) callee = undefined;
  }
  if (!requests) { console.error("no requests counted in the window"); process.exit(1); }
  console.log(`${requests} requests in the window, ${Math.round(total / requests / 100) / 10}k instructions per request`);
' "$OUT/callgrind.out"
echo "output in $OUT"
