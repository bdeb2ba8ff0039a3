// `node scripts/profile-validation/audit-rows.mjs [dist dir]`: what a background audit row (a validation's
// `ticket.validated`) costs the SQLite thread to write, by how many accounts validate, by rows per commit, and with
// and without the per-account index (audit_events_user). It writes as store/sqlite-thread.ts does: 100-row INSERTs
// (audit-log.ts, FAST_CHUNK), each under its own savepoint, in WAL mode with synchronous = NORMAL, a PASSIVE
// checkpoint every 3,000 rows (the thread's is on a timer). The table is wecas's own, migrated by the compiled code,
// and holds 100,000 rows before the measured ones. Prints µs per row, the median of 3 runs of 60,000 rows, and what
// that makes a commit: how long it holds the file's write lock.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? 'dist');
const { openDatabase } = await import(`${dist}/store/db.js`);
const { migrateToLatest } = await import(`${dist}/store/migrations.js`);
const Database = createRequire(`${dist}/`)('better-sqlite3');

const COLUMNS = ['id', 'at', 'type', 'user_id', 'ip', 'user_agent', 'detail'];
const CHUNK = 100;
const INSERT = `insert into "audit_events" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${Array(CHUNK)
  .fill(`(${COLUMNS.map(() => '?').join(', ')})`)
  .join(', ')}`;
const DETAIL = JSON.stringify({ endpoint: 'serviceValidate', serviceId: 1, kind: 'ST' });

/** Rows as audit-log.ts makes them: time-ordered ids, one of `users` accounts each, round-robin. */
function rowMaker(users) {
  const ids = Array.from({ length: users }, () => crypto.randomUUID());
  let sequence = 0;
  return () => {
    sequence++;
    const at = Date.now();
    return [
      `${at.toString(36).padStart(9, '0')}-bench00000-${sequence.toString(36).padStart(6, '0')}`,
      at,
      'ticket.validated',
      ids[sequence % users],
      '10.0.0.7',
      null,
      DETAIL,
    ];
  };
}

async function run({ users, perCommit, perAccountIndex }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'wecas-audit-rows-'));
  const file = path.join(dir, 'wecas.db');
  const { db } = openDatabase(`sqlite:${file}`);
  await migrateToLatest(db);
  await db.destroy();
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('temp_store = MEMORY');
  if (!perAccountIndex) sqlite.exec('drop index audit_events_user');
  const insert = sqlite.prepare(INSERT);
  const inSavepoint = sqlite.transaction((parameters) => insert.run(parameters));
  const commit = sqlite.transaction((rows) => {
    for (let i = 0; i < rows.length; i += CHUNK) inSavepoint(rows.slice(i, i + CHUNK).flat());
  });
  const nextRow = rowMaker(users);
  const write = (n) => {
    let written = 0;
    while (written < n) {
      const rows = Array.from({ length: Math.min(perCommit, n - written) }, nextRow);
      commit(rows);
      written += rows.length;
      if (written % 3000 < perCommit) sqlite.pragma('wal_checkpoint(PASSIVE)');
    }
  };
  write(100_000);
  const rows = 60_000;
  const start = process.hrtime.bigint();
  write(rows);
  const micros = Number(process.hrtime.bigint() - start) / 1000 / rows;
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  return micros;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('accounts  rows/commit  per-account index  µs/row  ms/commit');
for (const users of [100, 1000, 10_000]) {
  for (const perCommit of [300, 1000, 3000]) {
    for (const perAccountIndex of [true, false]) {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await run({ users, perCommit, perAccountIndex }));
      const micros = median(runs);
      const columns = [String(users).padStart(8), String(perCommit).padStart(11), (perAccountIndex ? 'yes' : 'no').padStart(17)];
      console.log(`${columns.join('  ')}  ${micros.toFixed(1).padStart(6)}  ${((micros * perCommit) / 1000).toFixed(1).padStart(9)}`);
    }
  }
}
