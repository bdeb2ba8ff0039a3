import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A server the cluster runs as a child process: wecas, nginx, redis-server, the WeChat emulator. */
export interface ChildServer {
  name: string;
  port: number;
  /** stdout and stderr so far (the last 64 KiB), for failure messages. */
  output(): string;
  /** Whether the process is still running. */
  running(): boolean;
  /** SIGKILL, as a crash or `kill -9` would: no shutdown handler runs. Resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 3 s. Resolves once it has exited; does nothing if it already had. */
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  name: string;
  command: string;
  args: string[];
  port: number;
  env?: Record<string, string>;
  cwd?: string;
  /** How long the port may take to accept connections (default 60 s). */
  readyTimeoutMs?: number;
}

const OUTPUT_LIMIT = 64 * 1024;
const children = new Set<ChildProcess>();
// A harness that failed half-way (or a test runner exiting) must not leave servers behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts a server and waits, by bounded polling, until its port accepts connections. */
export async function spawnServer(options: SpawnServerOptions): Promise<ChildServer> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const append = (s: string) => {
    output = (output + s).slice(-OUTPUT_LIMIT);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  child.on('error', (err) => append(`\n[spawn error] ${err.message}\n`));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void exited.then(() => children.delete(child));
  const running = () => child.exitCode === null && child.signalCode === null;

  const terminate = async (signal: NodeJS.Signals) => {
    if (!running()) return exited;
    child.kill(signal);
    const force = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(force);
  };
  const server: ChildServer = {
    name: options.name,
    port: options.port,
    output: () => output,
    running,
    kill: () => terminate('SIGKILL'),
    stop: () => terminate('SIGTERM'),
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (!running()) {
      await exited;
      throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) before listening on ${options.port}:\n${output}`);
    }
    if (await accepts(options.port)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${options.name} did not listen on ${options.port} within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`);
    }
    await sleep(50);
  }
}

/** Runs a command to its end; rejects with its output when it fails. */
export function runToEnd(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A loopback port nobody listens on right now, picked below the kernel's ephemeral range. A server is often started
 * well after its port is picked (a cluster node's PUBLIC_URL names it first); a port the kernel hands out for
 * `listen(0)` or an outgoing connection could be taken meanwhile by another test's server, one from below the range
 * never is.
 */
export async function freePort(): Promise<number> {
  const [low, high] = pickableRange();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port in ${low}-${high} after 50 tries`);
}

let pickable: [number, number] | undefined;

/** Ports the kernel never hands out by itself: 10000 up to its ephemeral range, or above it if that starts low. */
export function pickableRange(): [number, number] {
  pickable ??= readPickableRange();
  return pickable;
}

function readPickableRange(): [number, number] {
  let [ephemeralLow, ephemeralHigh] = [32768, 60999]; // Linux's defaults
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) [ephemeralLow, ephemeralHigh] = [low, high];
  } catch {
    // not Linux: keep the defaults
  }
  if (ephemeralLow > 11_000) return [10_000, ephemeralLow - 1];
  return ephemeralHigh < 64_535 ? [ephemeralHigh + 1, 65_535] : [1024, 65_535];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Polls `check` every 100 ms until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
