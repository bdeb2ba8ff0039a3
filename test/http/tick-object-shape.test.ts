import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// A child node runs nextTicks, lets a full garbage collection happen while none is queued, five times, then prints
// V8's record of nextTick's object literal (`%DebugPrint`). Each computed key is one DefineKeyedOwnPropertyInLiteral
// slot; MEGAMORPHIC means every later nextTick adds that key through V8's runtime (src/http/tick-object-shape.ts).
const script = (keep: boolean) => `
  import { keepTickObjectShape } from './src/http/tick-object-shape.ts';
  ${keep ? 'keepTickObjectShape();' : ''}
  const ticks = (n) => new Promise((resolve) => {
    let left = n;
    for (let i = 0; i < n; i++) process.nextTick(() => { if (--left === 0) resolve(); });
  });
  for (let round = 0; round < 5; round++) {
    await ticks(1000);
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc();
  }
  %DebugPrint(process.nextTick);
`;

async function literalSlotStates(keep: boolean): Promise<string[]> {
  // V8 prints with C stdio, which drops what a non-blocking pipe will not take at once: the child writes to a file.
  const dir = await mkdtemp(path.join(tmpdir(), 'wecas-tick-'));
  const out = await open(path.join(dir, 'stdout'), 'w+');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--allow-natives-syntax', '--input-type=module', '-e', script(keep)], {
      stdio: ['ignore', out.fd, 'inherit'],
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const printed = await readFile(path.join(dir, 'stdout'), 'utf8');
    return [...printed.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]!);
  } finally {
    await out.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the nextTick entry kept alive', () => {
  it('leaves nextTick megamorphic without it, as Node 20 does after a full collection', async () => {
    const states = await literalSlotStates(false);
    expect(states).toHaveLength(4);
    expect(states).toContain('MEGAMORPHIC');
  });

  it('keeps every computed key of the entry monomorphic across full collections', async () => {
    expect(await literalSlotStates(true)).toEqual(['MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC']);
  });
});
