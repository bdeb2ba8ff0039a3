// `wecas user …` run in process against the whole of wecas on a real database: a SQLite file, or a PostgreSQL
// database of its own (skipped locally with a printed reason when unreachable; under CI=true that fails instead).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runUserCommand, userCommandContext } from '../../src/cli/user-commands.js';
import { createWecas, type Wecas, type WecasOverrides } from '../../src/wecas.js';
import { ManualClock } from '../support/clock.js';
import { testConfig } from '../support/config.js';
import { POSTGRES_URL, postgresAvailable, requireServer } from '../support/postgres.js';

export interface CliBackend {
  name: string;
  /** A fresh, empty database: its URL, and how to remove it. */
  database(): Promise<{ url: string; drop(): Promise<void> }>;
}

export async function cliBackends(): Promise<CliBackend[]> {
  const backends: CliBackend[] = [
    {
      name: 'a SQLite file',
      async database() {
        const dir = mkdtempSync(path.join(tmpdir(), 'wecas-user-cli-'));
        return { url: `sqlite:${path.join(dir, 'wecas.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
  ];
  if (requireServer('PostgreSQL', await postgresAvailable()))
    backends.push({
      name: 'PostgreSQL',
      async database() {
        const name = `wecas_cli_${randomBytes(5).toString('hex')}`;
        await admin((c) => c.query(`create database ${name}`));
        const url = new URL(POSTGRES_URL);
        url.pathname = `/${name}`;
        return { url: url.toString(), drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)) };
      },
    });
  return backends;
}

async function admin(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

export interface Cli {
  wecas: Wecas;
  clock: ManualClock;
  /** What the commands printed (empty it with `lines.length = 0`). */
  lines: string[];
  /** Runs `wecas user …args`, waits for single logout to be delivered, and returns the exit code. */
  run(...args: string[]): Promise<number>;
  close(): Promise<void>;
}

/** The whole of wecas on `url`, with the CLI's context (as src/cli/main.ts builds it), on a clock the test moves. */
export async function openCli(url: string, env: Record<string, string> = {}, overrides: WecasOverrides = {}): Promise<Cli> {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 30));
  const wecas = await createWecas(testConfig({ DATABASE_URL: url, ...env }), { clock, ...overrides });
  const cli: Cli = {
    wecas,
    clock,
    lines: [],
    async run(...args) {
      const code = await runUserCommand(
        args,
        userCommandContext(wecas, (line) => cli.lines.push(line)),
      );
      await wecas.singleLogout.settled();
      return code;
    },
    close: () => wecas.close(),
  };
  return cli;
}
