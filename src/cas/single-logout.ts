import { deflateSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServiceRegistry } from '../services/registry.js';
import { appendQueryParam } from '../services/url.js';
import { newTicketId } from '../tickets/ids.js';
import type { EndedSession } from '../tickets/sessions.js';
import type { SsoGrant } from '../tickets/types.js';
import { shortTicket } from './errors.js';
import { escapeXml } from './xml.js';

/** How back-channel logout requests are delivered: each attempt has a deadline, a failed one is retried after a pause. */
export interface BackChannelPolicy {
  timeoutMs: number;
  /** Attempts in all; an answer below 500 ends them (a 4xx will not change by retrying). */
  attempts: number;
  retryDelayMs: number;
}

/** Three tries over about ten seconds: enough for a service that is restarting, bounded for one that is gone. */
export const BACK_CHANNEL_POLICY: BackChannelPolicy = { timeoutMs: 3000, attempts: 3, retryDelayMs: 1000 };

/**
 * The SAML 2 LogoutRequest CAS sends. `samlp:` prefixes and a one-line SessionIndex are what phpCAS's regex
 * and mod_auth_cas expect (docs/cas-protocol.md §4.1).
 */
export function logoutRequestXml(sessionIndex: string, now: number): string {
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="${newTicketId('LR')}" Version="2.0" IssueInstant="${new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z')}">` +
    `<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">@NOT_USED@</saml:NameID>` +
    `<samlp:SessionIndex>${escapeXml(sessionIndex)}</samlp:SessionIndex></samlp:LogoutRequest>`
  );
}

export interface SingleLogout {
  /**
   * Tells every service the session granted a ticket to that the session ended. Back-channel POSTs go out in
   * the background (never delaying the person's page); the returned URLs are front-channel requests the logout
   * page makes from the browser.
   */
  notify(session: EndedSession): Promise<{ frontChannelUrls: string[] }>;
  /** Resolves when deliveries started so far have finished and their audit events are written (tests, shutdown). */
  settled(): Promise<void>;
}

export function createSingleLogout(deps: {
  services: ServiceRegistry;
  audit: AuditLog;
  logger?: Logger;
  now?: () => number;
  backChannel?: BackChannelPolicy;
}): SingleLogout {
  const { services } = deps;
  const now = deps.now ?? Date.now;
  const policy = deps.backChannel ?? BACK_CHANNEL_POLICY;
  const pending = new Set<Promise<void>>();

  async function postLogout(url: string, grant: SsoGrant, userId: string): Promise<void> {
    const body = `logoutRequest=${encodeURIComponent(logoutRequestXml(grant.ticketId, now()))}`;
    let lastError = '';
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, policy.retryDelayMs));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(policy.timeoutMs),
        });
        await res.body?.cancel();
        if (res.status < 500) {
          await deps.audit.record({ type: 'slo.sent', userId, service: url, status: res.status, attempt, ticket: shortTicket(grant.ticketId) });
          return;
        }
        lastError = `HTTP ${res.status}`;
      } catch (err) {
        lastError = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${policy.timeoutMs} ms` : describeFetchError(err);
      }
    }
    deps.logger?.warn({ service: url, error: lastError, attempts: policy.attempts }, 'single logout request failed');
    await deps.audit.record({ type: 'slo.failed', userId, service: url, error: lastError, attempts: policy.attempts });
  }

  return {
    async notify({ tgt, grants }) {
      const frontChannelUrls: string[] = [];
      for (const grant of grants) {
        const service = grant.serviceId !== null ? await services.get(grant.serviceId) : undefined;
        if (!service || service.logoutType === 'none') continue;
        const url = service.logoutUrl ?? grant.service;
        if (service.logoutType === 'front-channel') {
          // Zlib-wrapped DEFLATE, as Apereo's CompressionUtils and the Java client's Inflater use (docs/cas-protocol.md §4.2).
          const message = deflateSync(Buffer.from(logoutRequestXml(grant.ticketId, now()))).toString('base64');
          frontChannelUrls.push(appendQueryParam(url, 'SAMLRequest', message));
          continue;
        }
        const delivery = postLogout(url, grant, tgt.userId).catch(() => undefined);
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      }
      return { frontChannelUrls };
    },
    async settled() {
      await Promise.all([...pending]);
      // slo.sent and slo.failed are background audit events: settled means they are written too.
      await deps.audit.flush?.();
    },
  };
}

/** fetch hides the socket error (ECONNREFUSED, a TLS code …) in `cause`: that is what an operator needs to see. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? err.message;
}
