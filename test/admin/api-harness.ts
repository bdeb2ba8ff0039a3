// The admin API in process: the whole of wecas (createWecas) and its HTTP app (buildApp) on a real database,
// driven with app.inject(); tokens made by the same domain functions `wecas admin token create` uses.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { ADMIN_API_PREFIX } from '../../src/http/admin/plugin.js';
import { buildApp } from '../../src/http/app.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { ManualClock } from '../support/clock.js';
import { testConfig } from '../support/config.js';

export interface AdminApi {
  wecas: Wecas;
  app: FastifyInstance;
  clock: ManualClock;
  /** A token of an account that holds `role`, scoped to `role` (the account is made and granted the role). */
  token(role: 'admin' | 'helpdesk', login?: string, days?: number): Promise<{ secret: string; userId: string; tokenId: string }>;
  /** A request to the admin API: `path` under its prefix, with this token (none when undefined). */
  call(token: string | undefined, method: InjectOptions['method'], path: string, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function openAdminApi(databaseUrl = 'sqlite::memory:', env: Record<string, string> = {}): Promise<AdminApi> {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 30));
  const wecas = await createWecas(testConfig({ DATABASE_URL: databaseUrl, ...env }), { clock });
  const app = await buildApp(wecas, { logger: false });
  await app.ready();
  return {
    wecas,
    app,
    clock,
    async token(role, login = `${role}-${Math.random().toString(36).slice(2, 8)}`, days = 30) {
      const existing = await wecas.users.findByUsername(login);
      const user = existing ?? (await wecas.users.create({ username: login, password: `pw-${login}-1` }));
      await wecas.admin.access.grant(user.id, role);
      const { token, secret } = await wecas.admin.access.createToken(user.id, { role, name: `test ${role}`, days });
      return { secret, userId: user.id, tokenId: token.id };
    },
    call(token, method, path, body) {
      return app.inject({
        method,
        url: `${ADMIN_API_PREFIX}${path}`,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
      });
    },
    async close() {
      await app.close();
      await wecas.singleLogout.settled();
      await wecas.close();
    },
  };
}

/** The audit events of one type, with their details parsed, oldest first. */
export async function auditEvents(wecas: Wecas, type: string): Promise<Array<{ userId: string | null; detail: Record<string, unknown> }>> {
  const rows = await wecas.db.selectFrom('audit_events').select(['user_id', 'detail']).where('type', '=', type).orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({ userId: r.user_id, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
