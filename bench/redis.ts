// A redis-server of the bench's own (no persistence, a free loopback port, stopped at the end), so that filling it
// with a million sessions disturbs no one, and its memory and CPU are the bench's alone.
import type { Redis } from 'ioredis';
import { startRedisServer } from '../scripts/cluster/backends.js';
import type { ChildServer } from '../scripts/cluster/processes.js';
import { openRedis } from '../src/store/redis.js';
import { freePort } from './children.js';

export interface BenchRedis {
  url: string;
  /** Redis's own CPU seconds so far (INFO cpu: used_cpu_user + used_cpu_sys). */
  cpuSeconds(): Promise<number>;
  /** INFO memory: used_memory, in bytes. */
  usedMemory(): Promise<number>;
  /** Copies the session `tgtId` of `userId` (every key naming either) until `total` such copies exist; see FILL. */
  fillLike(tgtId: string, userId: string, total: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const server: ChildServer = await startRedisServer(port);
  const url = `redis://127.0.0.1:${port}`;
  const client: Redis = await openRedis(url, { connectTimeoutMs: 2000 });
  const info = async (section: string, field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(await client.info(section))?.[1]);
  let copies = 0;
  return {
    url,
    cpuSeconds: async () => (await info('cpu', 'used_cpu_user')) + (await info('cpu', 'used_cpu_sys')),
    usedMemory: () => info('memory', 'used_memory'),
    async fillLike(tgtId, userId, total) {
      const template = await keysOf(client, tgtId, userId);
      for (; copies < total; copies += Math.min(FILL_BATCH, total - copies)) {
        const n = Math.min(FILL_BATCH, total - copies);
        await client.eval(FILL, 0, JSON.stringify(template), tgtId, userId, copies, n);
      }
    },
    async stop() {
      client.disconnect();
      await server.stop();
    },
  };
}

const FILL_BATCH = 50_000;

/** A string cut at the ids it holds: 1 stands for the TGT id, 2 for the user id (the Lua script puts new ones in). */
type Parts = Array<string | 1 | 2>;

interface TemplateKey {
  key: Parts;
  type: 'string' | 'set' | 'list' | 'hash';
  values: Parts[];
  pttl: number;
}

function cut(text: string, tgtId: string, userId: string): Parts {
  return text
    .split(tgtId)
    .flatMap((piece, i) => [...(i ? [1 as const] : []), ...piece.split(userId).flatMap((p, j) => [...(j ? [2 as const] : []), p])])
    .filter((p) => p !== '');
}

/** Every key whose name holds the TGT id or the user id, cut at the ids (KEYS is fine: this Redis is ours). */
async function keysOf(client: Redis, tgtId: string, userId: string): Promise<TemplateKey[]> {
  const names = new Set<string>();
  for (const id of [tgtId, userId]) for (const key of await client.keys(`*${id}*`)) names.add(key);
  const out: TemplateKey[] = [];
  for (const key of names) {
    const type = (await client.type(key)) as TemplateKey['type'];
    const values =
      type === 'string'
        ? [(await client.get(key)) ?? '']
        : type === 'set'
          ? await client.smembers(key)
          : type === 'list'
            ? await client.lrange(key, 0, -1)
            : Object.entries(await client.hgetall(key)).flat();
    out.push({ key: cut(key, tgtId, userId), type, values: values.map((v) => cut(v, tgtId, userId)), pttl: await client.pttl(key) });
  }
  return out;
}

/**
 * Server-side copies of one real session: for i in [ARGV[4], ARGV[4]+ARGV[5]), every template key, its name and
 * values with the TGT id (ARGV[2]) and user id (ARGV[3]) replaced by same-length ids ending in i. The keys are thus
 * in wecas's real format, whatever it is, and a million are written in seconds.
 */
const FILL = `
local template = cjson.decode(ARGV[1])
local tgt, user = ARGV[2], ARGV[3]
local function numbered(id, i)
  local tail = string.format('%010d', i)
  return id:sub(1, #id - #tail) .. tail
end
local command = { set = 'SADD', list = 'RPUSH', hash = 'HSET' }
for i = tonumber(ARGV[4]), tonumber(ARGV[4]) + tonumber(ARGV[5]) - 1 do
  local ids = { numbered(tgt, i), numbered(user, i) }
  local function build(parts)
    local out = {}
    for j, p in ipairs(parts) do out[j] = type(p) == 'number' and ids[p] or p end
    return table.concat(out)
  end
  for _, k in ipairs(template) do
    local key = build(k.key)
    if k.type == 'string' then
      if k.pttl > 0 then redis.call('SET', key, build(k.values[1]), 'PX', k.pttl) else redis.call('SET', key, build(k.values[1])) end
    else
      local values = {}
      for j, v in ipairs(k.values) do values[j] = build(v) end
      redis.call(command[k.type], key, unpack(values))
      if k.pttl > 0 then redis.call('PEXPIRE', key, k.pttl) end
    end
  end
end
return 0`;
