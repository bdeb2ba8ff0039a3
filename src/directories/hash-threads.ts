import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { type WorkerCalls, workerCalls } from '../worker-calls.js';

/**
 * bcrypt and Argon2, which Node's crypto lacks, computed by hash-wasm on worker threads. hash-wasm runs its
 * WebAssembly synchronously: on the main thread one bcrypt of cost 12 would stall every request for a few hundred
 * milliseconds (a login must not block the event loop, as src/users/password.ts says for scrypt).
 */
export type WasmHashJob =
  | { kind: 'bcrypt'; password: Uint8Array; salt: Uint8Array; costFactor: number }
  | {
      kind: 'argon2id' | 'argon2i';
      password: Uint8Array;
      salt: Uint8Array;
      iterations: number;
      parallelism: number;
      /** KiB. */
      memorySize: number;
      hashLength: number;
    };

/** bcrypt answers its encoded string (`$2b$…`), Argon2 the raw hash. */
export type WasmHashResult = string | Uint8Array;

export interface HashThreads {
  run(job: WasmHashJob): Promise<WasmHashResult>;
  /** Ends the threads; jobs still running are rejected. */
  close(): Promise<void>;
}

// Plain JavaScript evaluated as the worker's script: the same text runs under tsx, vitest and the compiled dist/,
// where a separate .ts worker file would need a loader in the first two. It only relays to hash-wasm.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hashWasm = require(workerData.hashWasm);
parentPort.on('message', async ({ id, job }) => {
  try {
    const { kind, ...options } = job;
    const outputType = kind === 'bcrypt' ? 'encoded' : 'binary';
    parentPort.postMessage({ id, result: await hashWasm[kind]({ ...options, outputType }) });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

type Answer = { id: number; result?: WasmHashResult; error?: string };

/** Up to `size` threads, started on first use (a table of PBKDF2 hashes never starts one). */
export function createHashThreads(size = 2): HashThreads {
  const hashWasm = createRequire(import.meta.url).resolve('hash-wasm');
  const threads: Array<{ worker: Worker; calls: WorkerCalls<Answer> }> = [];

  const start = () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hashWasm } });
    const thread = {
      worker,
      calls: workerCalls<Answer>(worker, 'hash thread', () => {
        const index = threads.indexOf(thread);
        if (index >= 0) threads.splice(index, 1);
      }),
    };
    threads.push(thread);
    return thread;
  };

  const leastBusy = () => {
    const idle = threads.reduce<(typeof threads)[number] | undefined>(
      (best, t) => (!best || t.calls.waiting < best.calls.waiting ? t : best),
      undefined,
    );
    return idle && (idle.calls.waiting === 0 || threads.length >= size) ? idle : start();
  };

  return {
    async run(job) {
      const { result, error } = await leastBusy().calls.call({ job });
      if (error !== undefined) throw new Error(error);
      return result!;
    },
    async close() {
      await Promise.all([...threads].map((t) => t.worker.terminate()));
    },
  };
}
