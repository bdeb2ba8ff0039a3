import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One WeChat API call as the client saw it. */
export interface WeChatCallRecord {
  /** e.g. `sns/oauth2/access_token`. */
  endpoint: string;
  /** `0` for success, WeChat's errcode for a business error, else `timeout`, `unreachable`, `http_<status>` or `malformed`. */
  errcode: string;
  seconds: number;
}

/** The rate limits whose refusals are counted. */
export type RateLimit =
  | 'login'
  | 'sms_resend'
  | 'sms_phone_daily'
  | 'sms_phone_ceiling'
  | 'sms_ip_hourly'
  /** A repeated send without a valid proof of work. */
  | 'sms_proof'
  /** The service's daily SMS budget, spent. */
  | 'sms_daily_budget'
  | 'sms_attempts'
  /** Wrong second-factor codes per account (mfa/attempts.ts). */
  | 'second_factor'
  /** Request rate limits per address (http/rate-limits.ts). */
  | 'requests_login'
  | 'requests_sms'
  | 'requests_validation'
  | 'requests_callback';

/**
 * wecas's Prometheus metrics in a registry of their own (never prom-client's global one, so two apps in one process,
 * as tests build, never collide). Recording is a label lookup and an add: cheap enough for every request.
 * Label values come from small fixed sets (methods, ticket kinds, CAS codes, WeChat errcodes), never from input.
 */
export interface Metrics {
  readonly registry: Registry;
  signIn(method: string, result: string): void;
  ticketIssued(type: string): void;
  ticketValidated(type: string, result: string): void;
  validationLatency(endpoint: string, seconds: number): void;
  wechatCall(call: WeChatCallRecord): void;
  smsSend(provider: string, result: string): void;
  rateLimited(limit: RateLimit): void;
  /** A login request for a service that may not use this server (unregistered, disabled, not a URL). */
  serviceRefused(reason: string): void;
  /** A background audit event dropped because the audit queue was full (audit/audit-log.ts). */
  auditDropped(type: string): void;
  /** Makes the SMS budget gauges read today's count (the shared store's) at scrape time, beside the budget. */
  watchSmsBudget(used: () => Promise<number>, budget: number): void;
  /** Makes the live-TGT gauge read this count at scrape time (at most once per `minIntervalMs`). */
  countLiveTgts(count: () => Promise<number>, minIntervalMs?: number): void;
  /** Adds Node's process metrics (CPU, memory, event loop lag, GC): only where the metrics are served. */
  collectProcessMetrics(): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const WECHAT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const signIns = new Counter({
    name: 'wecas_sign_ins_total',
    help: 'Sign-in attempts by method and result (success or the reason refused)',
    labelNames: ['method', 'result'],
    registers,
  });
  const issued = new Counter({
    name: 'wecas_tickets_issued_total',
    help: 'Tickets issued by type (TGT, ST, PT, PGT)',
    labelNames: ['type'],
    registers,
  });
  const validated = new Counter({
    name: 'wecas_tickets_validated_total',
    help: 'Ticket validations by ticket type and result (success or the CAS error code)',
    labelNames: ['type', 'result'],
    registers,
  });
  const validationSeconds = new Histogram({
    name: 'wecas_ticket_validation_duration_seconds',
    help: 'Time to answer a ticket validation request',
    labelNames: ['endpoint'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  // Counted on every validation: each label set's child is looked up once, not hashed from its labels each time.
  const validatedByLabels = childrenOf((type: string, result: string) => validated.labels(type, result));
  const validationSecondsByEndpoint = childrenOf((endpoint: string) => validationSeconds.labels(endpoint));
  const wechatCalls = new Counter({
    name: 'wecas_wechat_api_calls_total',
    help: 'WeChat API calls by endpoint and errcode (0 = success)',
    labelNames: ['endpoint', 'errcode'],
    registers,
  });
  const wechatSeconds = new Histogram({
    name: 'wecas_wechat_api_duration_seconds',
    help: 'WeChat API call latency',
    labelNames: ['endpoint'],
    buckets: WECHAT_BUCKETS,
    registers,
  });
  const smsSends = new Counter({
    name: 'wecas_sms_sends_total',
    help: 'SMS verification code sends by provider and result (sent or the failure kind)',
    labelNames: ['provider', 'result'],
    registers,
  });
  const refusals = new Counter({
    name: 'wecas_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit',
    labelNames: ['limit'],
    registers,
  });
  const serviceRefusals = new Counter({
    name: 'wecas_service_refusals_total',
    help: 'Login requests for a service that may not use this server, by reason (unregistered, disabled, invalid)',
    labelNames: ['reason'],
    registers,
  });
  const auditDropped = new Counter({
    name: 'wecas_audit_events_dropped_total',
    help: 'Background audit events (validations, proxy tickets, single logouts) dropped because the audit queue was full',
    labelNames: ['type'],
    registers,
  });

  let smsUsed: (() => Promise<number>) | undefined;
  new Gauge({
    name: 'wecas_sms_daily_sent',
    help: 'SMS codes sent today (Beijing time) by the whole service, all nodes',
    registers,
    async collect() {
      if (smsUsed) this.set(await smsUsed());
    },
  });
  const smsBudget = new Gauge({ name: 'wecas_sms_daily_budget', help: 'SMS codes the service may send a day (SMS_DAILY_BUDGET)', registers });

  let liveTgtCount: (() => Promise<number>) | undefined;
  let liveTgtInterval = 0;
  let lastCount = 0;
  let lastCountAt = -Infinity;
  new Gauge({
    name: 'wecas_live_tgts',
    help: 'Live SSO sessions (TGTs) in the ticket registry (shared registries: across all nodes)',
    registers,
    async collect() {
      if (!liveTgtCount) return;
      // A scrape storm must not turn into a storm of COUNT(*)s or SCANs: reuse a recent count.
      if (Date.now() - lastCountAt >= liveTgtInterval) {
        lastCount = await liveTgtCount();
        lastCountAt = Date.now();
      }
      this.set(lastCount);
    },
  });

  let processMetrics = false;
  return {
    registry,
    signIn: (method, result) => signIns.inc({ method, result }),
    ticketIssued: (type) => issued.inc({ type }),
    ticketValidated: (type, result) => validatedByLabels(type, result).inc(),
    validationLatency: (endpoint, seconds) => validationSecondsByEndpoint(endpoint).observe(seconds),
    wechatCall({ endpoint, errcode, seconds }) {
      wechatCalls.inc({ endpoint, errcode });
      wechatSeconds.observe({ endpoint }, seconds);
    },
    smsSend: (provider, result) => smsSends.inc({ provider, result }),
    rateLimited: (limit) => refusals.inc({ limit }),
    serviceRefused: (reason) => serviceRefusals.inc({ reason }),
    auditDropped: (type) => auditDropped.inc({ type }),
    watchSmsBudget(used, budget) {
      smsUsed = used;
      smsBudget.set(budget);
    },
    countLiveTgts(count, minIntervalMs = 10_000) {
      liveTgtCount = count;
      liveTgtInterval = minIntervalMs;
    },
    collectProcessMetrics() {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry });
    },
  };
}

/**
 * A metric's children by their label values, made on first use. The label values are a small fixed set (ticket
 * types, CAS error codes, endpoints), so the map stays small.
 */
function childrenOf<Args extends string[], Child>(make: (...labels: Args) => Child): (...labels: Args) => Child {
  const children = new Map<string, Child>();
  return (...labels) => {
    const key = labels.join('\u0000');
    let child = children.get(key);
    if (!child) {
      child = make(...labels);
      children.set(key, child);
    }
    return child;
  };
}
