import { deflateSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServiceRegistry } from '../services/registry.js';
import { appendQueryParam } from '../services/url.js';
import { newTicketId } from '../tickets/ids.js';
import type { SsoGrant, TicketGrantingTicket } from '../tickets/types.js';
import { shortTicket } from './errors.js';
import { escapeXml } from './xml.js';

const BACK_CHANNEL_TIMEOUT_MS = 3000;
const BACK_CHANNEL_ATTEMPTS = 2; // one retry: a service restarting should not miss the logout

/**
 * The SAML 2 LogoutRequest CAS sends. `samlp:` prefixes and a one-line SessionIndex are what phpCAS's regex
 * and mod_auth_cas expect (spec 4.1).
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
  notify(session: { tgt: TicketGrantingTicket; grants: SsoGrant[] }): Promise<{ frontChannelUrls: string[] }>;
  /** Resolves when background deliveries started so far have finished (tests, graceful shutdown). */
  settled(): Promise<void>;
}

export function createSingleLogout(deps: {
  services: ServiceRegistry;
  audit: AuditLog;
  logger?: Logger;
  now?: () => number;
  fetchImpl?: typeof fetch;
}): SingleLogout {
  const { services } = deps;
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetchImpl ?? fetch;
  const pending = new Set<Promise<void>>();

  async function postLogout(url: string, grant: SsoGrant, userId: string): Promise<void> {
    const body = 'logoutRequest=' + encodeURIComponent(logoutRequestXml(grant.ticketId, now()));
    let lastError = '';
    for (let attempt = 1; attempt <= BACK_CHANNEL_ATTEMPTS; attempt++) {
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(BACK_CHANNEL_TIMEOUT_MS),
        });
        await res.body?.cancel();
        if (res.status < 500) {
          await deps.audit.record({ type: 'slo.sent', userId, detail: { service: url, status: res.status, ticket: shortTicket(grant.ticketId) } });
          return;
        }
        lastError = `HTTP ${res.status}`;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
    deps.logger?.warn({ service: url, error: lastError }, 'single logout request failed');
    await deps.audit.record({ type: 'slo.failed', userId, detail: { service: url, error: lastError } });
  }

  return {
    async notify({ tgt, grants }) {
      const frontChannelUrls: string[] = [];
      for (const grant of grants) {
        const service = grant.serviceId !== null ? await services.get(grant.serviceId) : undefined;
        if (!service || service.logoutType === 'none') continue;
        const url = service.logoutUrl ?? grant.service;
        if (service.logoutType === 'front-channel') {
          // Zlib-wrapped DEFLATE, as Apereo's CompressionUtils and the Java client's Inflater use (spec 4.2).
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
    },
  };
}
