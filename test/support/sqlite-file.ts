// A migrated SQLite file in a temporary directory of its own: what a second connection (the SQLite thread) can open.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';

export interface SqliteFile {
  db: Db;
  file: string;
  /** The directory the file is in, for files that must not exist. */
  dir: string;
  /** Closes the connection and deletes the directory. */
  close(): Promise<void>;
}

export async function migratedSqliteFile(): Promise<SqliteFile> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wecas-sqlite-'));
  const file = path.join(dir, 'wecas.db');
  const { db } = openDatabase(`sqlite:${file}`);
  await migrateToLatest(db);
  return {
    db,
    file,
    dir,
    close: async () => {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
