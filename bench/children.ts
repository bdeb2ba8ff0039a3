import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where bench/build.ts compiles src/ and the child harnesses (ignored by git). */
export const BUILD_DIR = path.join(ROOT, 'bench', '.build');

/** The compiled form of a TypeScript file of the checkout (`bench/wecas-node.ts` → bench/.build/bench/wecas-node.js). */
export function compiled(script: string): string {
  return path.join(BUILD_DIR, script.replace(/\.ts$/, '.js'));
}

/** A server in its own process, so the load generator never shares its event loop. */
export interface Child {
  pid: number;
  port: number;
  /** Runs a command in the child over IPC. */
  call<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T>;
  /** CPU seconds (user + system) the process has used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export { freePort } from '../scripts/cluster/processes.js';

/**
 * Starts the compiled form of a TypeScript entry point (bench/build.ts made it) in plain `node`, with IPC; it
 * reports `{ ready: { port } }` once listening. The bench itself runs under tsx; its children do not inherit it.
 */
export async function forkNode(script: string, env: Record<string, string>, execArgv: string[] = []): Promise<Child> {
  const child = fork(compiled(script), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv,
    // The child's output goes to stderr with the bench's progress: stdout is the table's.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  children.add(child);
  let nextId = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (msg: { ready?: { port: number }; id?: number; result?: unknown; error?: string }) => {
      if (msg.ready) return resolve(msg.ready.port);
      const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id!);
      if (msg.error) waiter.reject(new Error(msg.error));
      else waiter.resolve(msg.result);
    });
    child.once('exit', (code) => {
      children.delete(child);
      const err = new Error(`${script} exited (${code})`);
      reject(err);
      for (const [, w] of pending) w.reject(err);
    });
  });
  const port = await ready;
  return {
    pid: child.pid!,
    port,
    call: <T>(command: string, args: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, command, args });
      }),
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s on Linux). */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
