import type { Worker } from 'node:worker_threads';

/**
 * Calls to a worker thread: each message carries an id, and the worker answers it with one message carrying the
 * same id. The worker is referenced only while a call waits for its answer, so an idle thread never keeps the
 * process alive. Once the worker fails or exits, every waiting call and every later one rejects with why.
 * The directories' hash threads and the SQLite thread share it.
 */
export interface WorkerCalls<Answer> {
  call(message: object): Promise<Answer>;
  /** Calls waiting for their answer. */
  readonly waiting: number;
  /** Why the worker is gone, once it is. */
  readonly gone: Error | undefined;
}

/** `name` names the thread in the error its calls reject with once it exited; `onGone` is told once, when it is gone. */
export function workerCalls<Answer extends { id: number }>(worker: Worker, name: string, onGone?: (err: Error) => void): WorkerCalls<Answer> {
  const pending = new Map<number, { resolve(answer: Answer): void; reject(err: Error): void }>();
  let nextId = 0;
  let gone: Error | undefined;
  worker.unref();

  const fail = (err: Error) => {
    if (!gone) onGone?.(err);
    gone ??= err;
    for (const p of pending.values()) p.reject(gone);
    pending.clear();
  };
  worker.on('message', (answer: Answer) => {
    const p = pending.get(answer.id);
    pending.delete(answer.id);
    if (pending.size === 0) worker.unref();
    p?.resolve(answer);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`${name} exited (code ${code})`)));

  return {
    call: (message) =>
      new Promise<Answer>((resolve, reject) => {
        if (gone) return reject(gone);
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ ...message, id });
      }),
    get waiting() {
      return pending.size;
    },
    get gone() {
      return gone;
    },
  };
}
