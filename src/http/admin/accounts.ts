import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminOf } from './auth.js';
import { refusals } from './errors.js';

const accountSummary = z.object({
  id: z.string(),
  login: z.string().nullable(),
  phone: z.string().nullable(),
  displayName: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  directory: z.string().describe('`local` for wecas accounts; else the directory it lives in'),
  directoryId: z.string().nullable(),
  hasPassword: z.boolean(),
  createdAt: z.number().int(),
});
const accountDetail = accountSummary.extend({
  name: z.string().describe('how messages name the account'),
  attributes: z.record(z.string(), z.array(z.string())),
  provedPhone: z.string().nullable(),
  wechat: z.array(
    z.object({
      id: z.string(),
      appId: z.string(),
      openid: z.string(),
      unionid: z.string().nullable(),
      nickname: z.string(),
      createdAt: z.number().int(),
      lastLoginAt: z.number().int().nullable(),
    }),
  ),
  wecom: z.array(z.object({ id: z.string(), corpId: z.string(), userid: z.string(), name: z.string(), createdAt: z.number().int() })),
  liveSessions: z.number().int(),
  secondFactor: z.boolean(),
  role: z.object({ role: z.enum(['admin', 'helpdesk']), source: z.enum(['grant', 'group']) }).nullable(),
});
const sessionView = z.object({
  handle: z.string().describe('names the session here; never its ticket'),
  method: z.string(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int(),
  expiresAt: z.number().int(),
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  services: z.array(z.string()),
});
const searchQuery = z.strictObject({
  login: z.string().min(1).optional().describe('the start of a login name'),
  phone: z.string().regex(/\d{3}/, 'give at least 3 digits').optional().describe('a whole number, or 3 or more of its digits'),
  name: z.string().min(1).optional().describe('part of the display name, ignoring case'),
  openid: z.string().min(1).optional(),
  unionid: z.string().min(1).optional(),
  wecomUserid: z.string().min(1).optional(),
  status: z.enum(['active', 'disabled']).optional(),
  after: z.string().optional().describe('the `next` of the page before'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const account = z.object({ account: z.string().min(1).describe('an account id, login name or phone number') });
const linkParams = account.extend({ link: z.string().min(1).describe('the id of the link, from the account') });
const tags = ['accounts'];
const admin = { adminRole: 'admin' } as const;
const helpdesk = { adminRole: 'helpdesk' } as const;
const ended = z.object({ account: z.string(), ended: z.number().int().describe('sessions ended; their applications were sent single logout') });

/**
 * Accounts: find, show, their links and sessions (helpdesk and admin); disable, enable and reset the password
 * (admin only: they change who may sign in at all).
 */
export function registerAccountRoutes(app: FastifyInstance): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/accounts',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'Find accounts (every given filter must match), a page at a time',
        querystring: searchQuery,
        response: { 200: z.object({ accounts: z.array(accountSummary), next: z.string().nullable() }), ...refusals },
      },
    },
    async (request) => adminOf(request).act.accounts.search(request.query),
  );
  routes.get(
    '/accounts/:account',
    {
      config: helpdesk,
      schema: { tags, summary: 'One account, its links and role', params: account, response: { 200: accountDetail, ...refusals } },
    },
    async (request) => adminOf(request).act.accounts.show(request.params.account),
  );
  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const)
    routes.post(
      `/accounts/:account/${action}`,
      {
        config: admin,
        schema: {
          tags,
          summary: action === 'disable' ? 'Disable an account and end its sessions (with single logout)' : 'Enable an account',
          params: account,
          response: { 200: z.object({ account: accountDetail, changed: z.boolean(), sessionsEnded: z.number().int() }), ...refusals },
        },
      },
      async (request) => {
        const result = await adminOf(request).act.accounts.setStatus(request.params.account, status);
        return { account: result.account, changed: result.changed, sessionsEnded: result.sessions };
      },
    );
  routes.post(
    '/accounts/:account/password-reset',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Clear the password and end the sessions: the person sets a new one by activation (an SMS code)',
        params: account,
        response: { 200: ended, ...refusals },
      },
    },
    async (request) => {
      const { target, sessions } = await adminOf(request).act.accounts.resetPassword(request.params.account);
      return { account: target.user.id, ended: sessions };
    },
  );
  routes.delete(
    '/accounts/:account/wechat/:link',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'Unlink a WeChat account (its next scan asks to bind again)',
        params: linkParams,
        response: { 200: z.object({ account: z.string(), appId: z.string(), openid: z.string(), stillSignsIn: z.boolean() }), ...refusals },
      },
    },
    async (request) => {
      const { target, removed, stillSignsIn } = await adminOf(request).act.accounts.unlinkWeChat(request.params.account, request.params.link);
      return { account: target.user.id, appId: removed.appId, openid: removed.openid, stillSignsIn };
    },
  );
  routes.delete(
    '/accounts/:account/wecom/:link',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'Unlink a WeCom member',
        params: linkParams,
        response: { 200: z.object({ account: z.string(), corpId: z.string(), userid: z.string() }), ...refusals },
      },
    },
    async (request) => {
      const { target, removed } = await adminOf(request).act.accounts.unlinkWeCom(request.params.account, request.params.link);
      return { account: target.user.id, corpId: removed.corpId, userid: removed.userid };
    },
  );
  routes.get(
    '/accounts/:account/sessions',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'Live sign-in sessions',
        params: account,
        response: { 200: z.object({ sessions: z.array(sessionView) }), ...refusals },
      },
    },
    async (request) => ({ sessions: await adminOf(request).act.accounts.sessions(request.params.account) }),
  );
  routes.delete(
    '/accounts/:account/sessions',
    { config: helpdesk, schema: { tags, summary: 'End every session, with single logout', params: account, response: { 200: ended, ...refusals } } },
    async (request) => {
      const result = await adminOf(request).act.accounts.endSessions(request.params.account);
      return { account: result.target.user.id, ended: result.ended };
    },
  );
  routes.delete(
    '/accounts/:account/sessions/:handle',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'End one session, with single logout',
        params: account.extend({ handle: z.string().min(1) }),
        response: { 200: ended, ...refusals },
      },
    },
    async (request) => {
      const result = await adminOf(request).act.accounts.endSessions(request.params.account, request.params.handle);
      return { account: result.target.user.id, ended: result.ended };
    },
  );
}
