import type { AuditLog, ClientInfo } from '../audit/audit-log.js';
import type { LoginRequest } from '../cas/login-request.js';
import type { Clock } from '../clock.js';
import { type DirectoryAccount, DirectoryUnavailable } from '../directories/directory.js';
import { principalOf } from '../directories/principal.js';
import { acceptsMethod, admitsEverySession, personAllowed, requiresSecondFactor } from '../services/access.js';
import type { ServiceRegistry } from '../services/registry.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { AuthMethod, SecondFactorRecord, ServiceTicket, TicketGrantingTicket } from '../tickets/types.js';
import type { User } from '../users/types.js';
import type { AttemptContext, Authenticator, AuthOutcome, Refusal, SignInStep } from './outcome.js';
import { type LoginTransaction, type OpenedTransaction, openLoginTransaction } from './transaction.js';

/** The method a TGT records for each sign-in step: binding completes a WeChat sign-in. */
const METHOD_OF_STEP: Record<SignInStep, AuthMethod> = {
  password: 'password',
  sms: 'sms',
  wechat: 'wechat',
  'wechat-binding': 'wechat',
  wecom: 'wecom',
  'wecom-binding': 'wecom',
};

/**
 * Refusals of a form typed wrong before any account was looked at (an empty field, a mistyped or stale code):
 * the page says so, and the audit trail is kept for attempts on an account. Too many wrong codes still show in
 * the rate-limit metrics.
 */
const UNAUDITED: ReadonlySet<string> = new Set([
  'missing_fields',
  'invalid_phone',
  'missing_code',
  'no_code',
  'wrong_code',
  'too_many_attempts',
  'expired',
]);

/**
 * Why the transaction's service gets no ticket from a session: it does not accept the method the session was signed
 * in by (sign in again with one it does), requires a second factor the session did not pass (sign in again, with
 * it), or does not admit this person (its required attributes).
 */
export type ServiceRefusal = 'method_not_accepted' | 'second_factor_required' | 'not_allowed';

export interface EstablishedSession {
  tgt: TicketGrantingTicket;
  /** A ticket for the transaction's service; none when the sign-in named no service, or the service refused. */
  ticket: ServiceTicket | undefined;
  refused?: ServiceRefusal;
}

/** Single sign-on's answer: a ticket, no service to give one to, or the service's refusal. */
export type SessionTicket = { kind: 'ticket'; ticket: ServiceTicket } | { kind: 'no_service' } | { kind: 'refused'; refused: ServiceRefusal };

export type SignIn = ReturnType<typeof createSignIn>;

/**
 * The application layer of signing in, the same for every method: open the login transaction (the service
 * checked), run one method (its refusals audited), then establish the SSO session. Knows nothing of HTTP.
 */
export function createSignIn(deps: {
  services: ServiceRegistry;
  sessions: SsoSessions;
  audit: AuditLog;
  clock: Clock;
  /** Told of every refused service: counted, not stored (anyone can ask for any URL). */
  onServiceRefused: (reason: 'unregistered' | 'disabled' | 'invalid') => void;
  /** Told of every established session (the new-browser notice); its failure never undoes the sign-in. */
  onSignedIn?: (signedIn: { user: User; account: DirectoryAccount; browserId: string | undefined; client: ClientInfo }) => Promise<unknown>;
}) {
  const { sessions, audit } = deps;

  async function recordRefusal<S extends SignInStep>(refusal: Refusal<S>, client: ClientInfo): Promise<void> {
    if (refusal.wechatError) {
      await audit.record({ type: 'wechat.error', ...refusal.wechatError, client });
      return;
    }
    if (refusal.wecomError) {
      await audit.record({ type: 'wecom.error', ...refusal.wecomError, client });
      return;
    }
    if (UNAUDITED.has(refusal.reason)) return;
    await audit.record({
      type: 'login.failure',
      method: METHOD_OF_STEP[refusal.step],
      reason: refusal.reason,
      ...(refusal.userId ? { userId: refusal.userId } : {}),
      ...(refusal.username ? { username: refusal.username } : {}),
      client,
    });
  }

  /** Whether the transaction's service refuses this session; a person refused by attributes is audited. */
  async function serviceRefusal(tgt: TicketGrantingTicket, transaction: LoginTransaction, client: ClientInfo): Promise<ServiceRefusal | undefined> {
    const service = transaction.service;
    if (!service) return undefined;
    if (!acceptsMethod(service.registered, tgt.method)) return 'method_not_accepted';
    if (requiresSecondFactor(service.registered) && !tgt.mfa) return 'second_factor_required';
    // A session of a version that kept no attributes has none to show: the person signs in again to be admitted.
    if (personAllowed(service.registered, tgt.attributes ?? {})) return undefined;
    await audit.record({ type: 'access.denied', userId: tgt.userId, serviceId: service.registered.id, service: service.registered.name, client });
    return 'not_allowed';
  }

  /**
   * Single sign-on: a ticket for the transaction's service from the browser's live session, no credentials asked,
   * unless the service refuses the session (its method, or the person).
   */
  async function ticketFromSession(tgt: TicketGrantingTicket, transaction: LoginTransaction, client: ClientInfo): Promise<SessionTicket> {
    if (!transaction.service) return { kind: 'no_service' };
    const refused = await serviceRefusal(tgt, transaction, client);
    if (refused) return { kind: 'refused', refused };
    const ticket = await sessions.grantServiceTicket(tgt, { url: transaction.service.url, id: transaction.service.registered.id }, false);
    return { kind: 'ticket', ticket };
  }

  return {
    /** The transaction for a login request; a refused service is counted. */
    async open(request: LoginRequest): Promise<OpenedTransaction> {
      const opened = await openLoginTransaction(deps.services, request);
      if (!opened.ok) deps.onServiceRefused(opened.refusal.reason);
      return opened;
    },

    /** Runs one sign-in method; a refusal is audited before it is returned. */
    async attempt<S extends SignInStep, Input>(
      authenticator: Authenticator<S, Input>,
      input: Input,
      attempt: AttemptContext,
    ): Promise<AuthOutcome<S>> {
      let outcome: AuthOutcome<S>;
      try {
        outcome = await authenticator.authenticate(input, attempt);
      } catch (err) {
        // A directory that cannot answer: nothing the person did, and nothing was written (records are made only
        // after the directory said who it is). They read "the account service is unavailable" (503).
        if (!(err instanceof DirectoryUnavailable)) throw err;
        await audit.record({ type: 'directory.error', directory: err.directory, kind: err.kind, client: attempt.client });
        return { kind: 'refused', step: authenticator.step, reason: 'directory_unavailable', retryHelps: true } as Refusal<S>;
      }
      if (outcome.kind === 'refused') await recordRefusal(outcome, attempt.client);
      return outcome;
    },

    /**
     * SSO at /login: the browser's session, named by its cookie, and what ticketFromSession gives for it. A service
     * that asks nothing of the session (admitsEverySession) has the session read and its ticket issued in one
     * registry step. Undefined when the browser has no live session.
     */
    async ssoFromCookie(
      tgtId: string | undefined,
      transaction: LoginTransaction,
      client: ClientInfo,
    ): Promise<{ tgt: TicketGrantingTicket; sso: SessionTicket } | undefined> {
      const service = transaction.service;
      if (service && admitsEverySession(service.registered)) {
        const issued = await sessions.grantServiceTicketFromSession(tgtId, { url: service.url, id: service.registered.id });
        return issued && { tgt: issued.tgt, sso: { kind: 'ticket', ticket: issued.ticket } };
      }
      const tgt = await sessions.find(tgtId);
      return tgt && { tgt, sso: await ticketFromSession(tgt, transaction, client) };
    },

    /**
     * The end of every successful sign-in, whatever the method: a new SSO session (when the browser's own belongs to
     * the same person, it takes over that session's grants, so single logout still reaches every application;
     * another person's session in this browser ends with its single logout), an audit event, and a ticket for the
     * service.
     */
    async establishSession(input: {
      user: User;
      account: DirectoryAccount;
      method: AuthMethod;
      /** The second factor passed after the method, when one was asked (login/second-factor.ts). */
      mfa?: SecondFactorRecord | undefined;
      transaction: LoginTransaction;
      current: TicketGrantingTicket | undefined;
      client: ClientInfo;
      /** The browser's cookie id, when it has one: a sign-in from a browser new to the account may be told to its phone. */
      browserId?: string | undefined;
    }): Promise<EstablishedSession> {
      const { user, method, mfa, transaction, current, client } = input;
      // The person as they are now, kept with the session: validations answer from it, with no directory round trip.
      const principal = principalOf(user, input.account);
      const auth = {
        userId: user.id,
        principal: principal.id,
        attributes: principal.attributes,
        method,
        ...(mfa ? { mfa } : {}),
        authTime: deps.clock.now(),
        clientIp: client.ip ?? undefined,
        userAgent: client.userAgent ?? undefined,
      };
      let tgt: TicketGrantingTicket;
      if (current && current.userId === user.id) {
        tgt = await sessions.rotate(current, auth);
      } else {
        // Another person's session in this browser ends, and its applications are told.
        if (current) await sessions.end(current.id);
        tgt = await sessions.start(auth);
      }
      const service = transaction.service;
      await audit.record({ type: 'login.success', userId: user.id, method, ...(service ? { service: service.registered.name } : {}), client });
      await deps.onSignedIn?.({ user, account: input.account, browserId: input.browserId, client }).catch(() => undefined);
      // The person proved who they are, so the session stands (other applications may admit them); this one may not.
      const refused = await serviceRefusal(tgt, transaction, client);
      if (refused) return { tgt, ticket: undefined, refused };
      const ticket = service ? await sessions.grantServiceTicket(tgt, { url: service.url, id: service.registered.id }, true) : undefined;
      return { tgt, ticket };
    },

    /** Ends the browser's session (if it still has one) and tells its applications; returns front-channel URLs for the page. */
    async logout(tgtId: string | undefined, client: ClientInfo): Promise<string[]> {
      const ended = await sessions.end(tgtId);
      if (!ended) return [];
      await audit.record({ type: 'logout', userId: ended.tgt.userId, client });
      return ended.frontChannelUrls;
    },
  };
}
