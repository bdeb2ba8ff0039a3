import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';

export interface ChildServer {
  process: ChildProcess;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// The last line of defence: a test that failed before its afterAll must not leave a server behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a server process and waits until it is ready: until `readyLine` appears in its output (its result is
 * returned, e.g. the port it chose) or, without one, until `port` accepts connections.
 */
export async function startChildServer(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; port?: number; readyLine?: RegExp; timeoutMs?: number },
): Promise<ChildServer & { ready: RegExpMatchArray | undefined }> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
      if (options.readyLine) {
        const match = options.readyLine.exec(output);
        if (match) return { process: child, output: () => output, stop, ready: match };
      } else if (options.port !== undefined && (await accepts(options.port))) {
        return { process: child, output: () => output, stop, ready: undefined };
      }
      if (Date.now() > deadline) throw new Error('not ready in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (err) {
    await stop();
    throw new Error(`${command} ${args.join(' ')}: ${(err as Error).message}\n${output}`);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
