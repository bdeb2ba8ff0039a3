// What every answer of wecas must satisfy, whatever was asked: the fuzzer's oracle. Each check returns the
// violations it found (never throws), so a run collects them all and fails once with the whole list.
import { DOMParser } from '@xmldom/xmldom';
import { CAS_NS } from '../support/cas-app.js';

const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** One broken promise: what kind, and what exactly. */
export interface Finding {
  kind:
    | 'status'
    | 'xml'
    | 'json'
    | 'api-error'
    | 'utf8'
    | 'redirect'
    | 'ticket-header'
    | 'post-form'
    | 'refresh'
    | 'validate-text'
    | 'disclosure'
    | 'slow';
  detail: string;
}

/** The answer as light-my-request gives it. */
export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  rawPayload: Buffer;
}

/** Where a redirect may go: wecas itself, WeChat's QR page, or a registered, enabled service. */
export interface RedirectPolicy {
  /** wecas's PUBLIC_URL origin, e.g. `http://localhost:8080`. */
  publicOrigin: string;
  /** `${casBaseUrl}/`: WeChat's redirect_uri must point back under it. */
  casBase: string;
  /** WeChat's (or the emulator's) open base URL, when WeChat is configured. */
  wechatOpenBase: string | undefined;
  /** The service registry's answer for a URL: whether it is registered and enabled. */
  registeredAndEnabled(url: string): Promise<boolean>;
}

/** XML 1.0's Char production: what may appear in a document at all, escaped or not. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const CHAR_REFERENCE = /&#(x[0-9A-Fa-f]+|[0-9]+);/g;

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/**
 * A strict XML check: xmldom with every error, fatal error and warning counted (the parseCasXml approach; only
 * the warning about U+FFFD, a legal character, is not), plus
 * what xmldom lets through: characters and character references outside XML 1.0's Char production (a raw
 * U+0001 makes the document unreadable to libxml2, which phpCAS and mod_auth_cas use). Returns the problems.
 */
export function strictXmlProblems(xml: string): { problems: string[]; root: Element | undefined } {
  const problems: string[] = [];
  const bad = NOT_XML_CHAR.exec(xml);
  if (bad)
    problems.push(`character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML (offset ${bad.index})`);
  for (const m of xml.matchAll(CHAR_REFERENCE)) {
    const ref = m[1]!;
    const code = ref.startsWith('x') ? Number.parseInt(ref.slice(1), 16) : Number.parseInt(ref, 10);
    if (!isXmlChar(code)) problems.push(`character reference ${m[0]} names a character XML does not allow`);
  }
  let root: Element | undefined;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        // U+FFFD is an XML character like any other; xmldom only guesses that the source was mis-decoded.
        if (level === 'warning' && /replacement character/i.test(message)) return;
        problems.push(`${level}: ${message}`);
      },
    }).parseFromString(xml, 'text/xml');
    root = (doc.documentElement as unknown as Element | null) ?? undefined;
    if (!root) problems.push('no document element');
  } catch (err) {
    problems.push(`parser threw: ${(err as Error).message}`);
  }
  return { problems: [...new Set(problems)], root };
}

/** The media type of an answer, lower-cased, without parameters. */
export function mediaType(answer: Answer): string {
  const ct = answer.headers['content-type'];
  return String(Array.isArray(ct) ? ct[0] : (ct ?? ''))
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

function header(answer: Answer, name: string): string | undefined {
  const v = answer.headers[name];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Markers of files that must never be served: the repository's package.json and sources, the system's passwd. */
const DISCLOSURE_MARKERS = ['"name": "wecas"', 'export async function createWecas', 'root:x:0:0:'];

/** The ticket (or SAMLart) parameter wecas appends, as appendQueryParam writes it: before any fragment. */
const APPENDED_TICKET = /([?&]?)(?:ticket|SAMLart)=(?:ST|PT)-[A-Za-z0-9-]+(?=#|$)/;

/** A Location as the service sent it: the candidates with the appended ticket removed (with or without its separator). */
export function withoutTicket(location: string): string[] {
  const hash = location.indexOf('#');
  const base = hash === -1 ? location : location.slice(0, hash);
  const fragment = hash === -1 ? '' : location.slice(hash);
  const m = APPENDED_TICKET.exec(base);
  if (!m) return [location];
  const before = base.slice(0, m.index);
  // appendQueryParam adds no separator after a URL that already ends in `?` or `&`: both readings are tried.
  return [before + fragment, before + m[1] + fragment];
}

/** The statuses that send the browser elsewhere (304 is a 3xx that does not). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Checks one answer against everything wecas promises; `path` is the request's path (no query). The body checks
 * are skipped for HEAD (no body by definition) and for partial content (a byte range of a file).
 */
export async function checkAnswer(answer: Answer, method: string, path: string, policy: RedirectPolicy, elapsedMs: number): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { statusCode } = answer;
  const type = mediaType(answer);

  if (statusCode >= 500) findings.push({ kind: 'status', detail: `HTTP ${statusCode}` });
  if (elapsedMs > 20_000) findings.push({ kind: 'slow', detail: `answered after ${Math.round(elapsedMs)} ms` });
  if (REDIRECTS.has(statusCode)) {
    const location = header(answer, 'location');
    if (location === undefined) findings.push({ kind: 'redirect', detail: `HTTP ${statusCode} without Location` });
    else findings.push(...(await checkRedirectTarget(location, policy, 'redirect')));
  }
  // method=HEADER: the ticket and the service travel as response headers (docs/cas-protocol.md §1.1).
  const serviceHeader = header(answer, 'service');
  if (serviceHeader !== undefined && header(answer, 'ticket') !== undefined)
    findings.push(...(await checkRedirectTarget(serviceHeader, policy, 'ticket-header')));
  if (method === 'HEAD' || statusCode === 206) return findings;

  if (/^(text\/|application\/(json|xml|.*\+xml))/.test(type)) {
    try {
      UTF8.decode(answer.rawPayload);
    } catch {
      findings.push({ kind: 'utf8', detail: `${type} body is not valid UTF-8` });
    }
  }

  // Protocol answers (application/xml, text/xml, SOAP); an SVG file is XML too, but a static file, not an answer.
  if (/^(application|text)\/([a-z.+-]*\+)?xml$/.test(type)) {
    const { problems, root } = strictXmlProblems(answer.body);
    if (problems.length) findings.push({ kind: 'xml', detail: problems.slice(0, 3).join('; ') });
    else if (root) {
      const ok =
        (root.namespaceURI === CAS_NS && root.localName === 'serviceResponse' && root.prefix === 'cas') ||
        (root.namespaceURI === SOAP_NS && root.localName === 'Envelope');
      if (!ok) findings.push({ kind: 'xml', detail: `unexpected document element {${root.namespaceURI}}${root.tagName}` });
    }
  }

  if (type.includes('json')) {
    try {
      JSON.parse(answer.body);
    } catch (err) {
      findings.push({ kind: 'json', detail: `JSON does not parse: ${(err as Error).message}` });
    }
  }

  // The admin API's refusals name the problem: `{ error, message }` (its reference page's files excepted).
  if (path.startsWith('/admin/api/') && !path.startsWith('/admin/api/v1/docs') && statusCode >= 400 && statusCode < 500) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {}
    const named = parsed as { error?: unknown; message?: unknown } | undefined;
    if (typeof named?.error !== 'string' || typeof named.message !== 'string')
      findings.push({ kind: 'api-error', detail: `HTTP ${statusCode} of the admin API without { error, message }: ${answer.body.slice(0, 100)}` });
  }

  if (/\/validate$/.test(path) && statusCode === 200 && type === 'text/plain' && !/^(yes\n[^\n]*\n|no\n\n)$/.test(answer.body))
    findings.push({
      kind: 'validate-text',
      detail: `CAS 1.0 answer is neither yes\\n<user>\\n nor no\\n\\n: ${JSON.stringify(answer.body.slice(0, 80))}`,
    });

  for (const marker of DISCLOSURE_MARKERS)
    if (answer.body.includes(marker)) findings.push({ kind: 'disclosure', detail: `body contains ${JSON.stringify(marker)}` });

  // method=POST: an auto-submitting form that posts the ticket to the service.
  if (type === 'text/html' && answer.body.includes('id="autosubmit"')) {
    const action = /<form method="post" action="([^"]*)" id="autosubmit">/.exec(answer.body)?.[1];
    if (action === undefined) findings.push({ kind: 'post-form', detail: 'auto-submitting form without an action' });
    else findings.push(...(await checkRedirectTarget(unescapeHtml(action), policy, 'post-form')));
  }
  // A continuation's page for a navigating browser: a refresh that moves it on, to the service with its ticket.
  const refresh = type === 'text/html' ? /<meta http-equiv="refresh" content="0; url=([^"]*)">/.exec(answer.body)?.[1] : undefined;
  if (refresh !== undefined) findings.push(...(await checkRedirectTarget(unescapeHtml(refresh), policy, 'refresh')));
  return findings;
}

function unescapeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos|#39);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower] ?? '';
  });
}

/**
 * Where a browser is sent must be a valid URL (printable ASCII only: raw non-ASCII or controls in a Location are
 * not a URL, and Node refuses most of them, turning the answer into a 5xx) and one of: wecas itself (relative or
 * same origin), WeChat's QR page with wecas's own callback as redirect_uri, or a registered, enabled service
 * once the appended ticket is removed.
 */
export async function checkRedirectTarget(target: string, policy: RedirectPolicy, kind: Finding['kind']): Promise<Finding[]> {
  const show = JSON.stringify(target.length > 160 ? `${target.slice(0, 160)}…` : target);
  if (kind !== 'post-form' && !/^[\x21-\x7e]+$/.test(target))
    return [{ kind, detail: `target is not printable ASCII (raw non-ASCII, space or control character): ${show}` }];
  let resolved: URL;
  try {
    resolved = new URL(target, `${policy.publicOrigin}/`);
  } catch {
    return [{ kind, detail: `target is not a URL: ${show}` }];
  }
  if (resolved.origin === policy.publicOrigin) return [];
  if (policy.wechatOpenBase && resolved.href.startsWith(`${policy.wechatOpenBase}/connect/qrconnect?`)) {
    const redirectUri = resolved.searchParams.get('redirect_uri') ?? '';
    return redirectUri.startsWith(policy.casBase) ? [] : [{ kind, detail: `WeChat redirect_uri is not wecas's: ${show}` }];
  }
  for (const candidate of withoutTicket(target)) if (await policy.registeredAndEnabled(candidate)) return [];
  return [{ kind, detail: `target is neither wecas, WeChat nor a registered, enabled service: ${show}` }];
}
