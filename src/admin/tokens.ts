import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { ApiTokensTable } from '../store/schema.js';
import type { AdminRole } from './roles.js';

/** A personal API token as listed: never its secret, which is shown once when it is made. */
export interface ApiToken {
  id: string;
  userId: string;
  role: AdminRole;
  name: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** Why a presented token is refused: each names its problem in the API's 401 answer. */
export type TokenRefusal = 'unknown_token' | 'expired_token' | 'revoked_token';

/** Recognisable in logs and by secret scanners; what follows is 256 random bits. */
export const TOKEN_PREFIX = 'wecas_pat_';
const SECRET_BYTES = 32;
export const MAX_TOKEN_DAYS = 366;
/** Last use is written at most this often per token, so busy automation does not write on every request. */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * The stored form of a secret. SHA-256 rather than a slow password hash: the secret is 256 random bits, so
 * there is nothing to guess and stretching would protect nothing, while a fast, deterministic hash lets a request
 * find its token by an indexed lookup. A database dump holds no usable token.
 */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export type ApiTokens = ReturnType<typeof createApiTokens>;

/** The `api_tokens` table. */
export function createApiTokens(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  return {
    /** Makes a token; its secret is in the answer and nowhere else. */
    async create(input: { userId: string; role: AdminRole; name: string; days: number }): Promise<{ token: ApiToken; secret: string }> {
      const secret = `${TOKEN_PREFIX}${randomBytes(SECRET_BYTES).toString('base64url')}`;
      const now = clock.now();
      const row: Selectable<ApiTokensTable> = {
        id: randomUUID(),
        user_id: input.userId,
        role: input.role,
        name: input.name,
        token_hash: hashTokenSecret(secret),
        created_at: now,
        expires_at: now + input.days * 86_400_000,
        revoked_at: null,
        last_used_at: null,
      };
      await db.insertInto('api_tokens').values(row).execute();
      return { token: toToken(row), secret };
    },

    async find(id: string): Promise<ApiToken | undefined> {
      const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toToken(row) : undefined;
    },

    /** Newest first; one account's when `userId` is given. */
    async list(userId?: string): Promise<ApiToken[]> {
      let query = db.selectFrom('api_tokens').selectAll();
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      return (await query.orderBy('created_at', 'desc').orderBy('id').execute()).map(toToken);
    },

    /** Revokes a token; false when there is none with this id or it was revoked already. */
    async revoke(id: string): Promise<boolean> {
      const res = await db
        .updateTable('api_tokens')
        .set({ revoked_at: clock.now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** The token a presented secret names, if it may be used now; its last use is recorded. */
    async verify(secret: string): Promise<{ ok: true; token: ApiToken } | { ok: false; reason: TokenRefusal }> {
      if (!secret.startsWith(TOKEN_PREFIX)) return { ok: false, reason: 'unknown_token' };
      const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hashTokenSecret(secret)).executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown_token' };
      const now = clock.now();
      if (row.revoked_at !== null) return { ok: false, reason: 'revoked_token' };
      if (row.expires_at <= now) return { ok: false, reason: 'expired_token' };
      if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_GRANULARITY_MS) {
        await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
        row.last_used_at = now;
      }
      return { ok: true, token: toToken(row) };
    },
  };
}

function toToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    role: row.role,
    name: row.name,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}
