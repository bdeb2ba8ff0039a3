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
      const template = await keysOf(client, [tgtId, userId]);
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

interface TemplateKey {
  key: string;
  type: 'string' | 'set' | 'list' | 'hash';
  value: string | string[];
  pttl: number;
}

/** Every key whose name holds one of `ids`, with its type, value and TTL (KEYS is fine: this Redis is ours). */
async function keysOf(client: Redis, ids: string[]): Promise<TemplateKey[]> {
  const names = new Set<string>();
  for (const id of ids) for (const key of await client.keys(`*${id}*`)) names.add(key);
  const out: TemplateKey[] = [];
  for (const key of names) {
    const type = (await client.type(key)) as TemplateKey['type'];
    const value =
      type === 'string'
        ? ((await client.get(key)) ?? '')
        : type === 'set'
          ? await client.smembers(key)
          : type === 'list'
            ? await client.lrange(key, 0, -1)
            : Object.entries(await client.hgetall(key)).flat();
    out.push({ key, type, value, pttl: await client.pttl(key) });
  }
  return out;
}

/**
 * Server-side copies of one real session: for i in [ARGV[4], ARGV[4]+ARGV[5]), every template key, its name and
 * value with the TGT id (ARGV[2]) and user id (ARGV[3]) replaced by same-length ids ending in i. The keys are thus
 * in wecas's real format, whatever it is, and a million are written in seconds.
 */
const FILL = `
local template = cjson.decode(ARGV[1])
local tgt, user = ARGV[2], ARGV[3]
local function plain(s) return (s:gsub('%p', '%%%0')) end
local tgt_pattern, user_pattern = plain(tgt), plain(user)
local function numbered(id, i)
  local tail = string.format('%010d', i)
  return id:sub(1, #id - #tail) .. tail
end
for i = tonumber(ARGV[4]), tonumber(ARGV[4]) + tonumber(ARGV[5]) - 1 do
  local new_tgt, new_user = numbered(tgt, i), numbered(user, i)
  local function copy(s) return (s:gsub(tgt_pattern, new_tgt):gsub(user_pattern, new_user)) end
  for _, k in ipairs(template) do
    local key = copy(k.key)
    if k.type == 'string' then
      redis.call('SET', key, copy(k.value))
    else
      local values = {}
      for j, v in ipairs(k.value) do values[j] = copy(v) end
      local command = ({ set = 'SADD', list = 'RPUSH', hash = 'HSET' })[k.type]
      redis.call(command, key, unpack(values))
    end
    if k.pttl > 0 then redis.call('PEXPIRE', key, k.pttl) end
  end
end
return 0`;
