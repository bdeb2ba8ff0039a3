// The CAS half of the demo app: where to send the browser, how to validate a ticket, how to read a logout request.
import { XMLParser } from 'fast-xml-parser';

export interface CasPrincipal {
  user: string;
  /** Every value as a list, whether the server sent the attribute once or repeated it. */
  attributes: Record<string, string[]>;
}

export type ValidationResult = { ok: true; principal: CasPrincipal } | { ok: false; code: string; message: string };

/** `lang`: the language the person chose in this app; wecas's login page takes it, other CAS servers ignore it. */
export function loginUrl(casUrl: string, service: string, options: { gateway?: boolean; lang?: string } = {}): string {
  const url = new URL(`${casUrl}/login`);
  url.searchParams.set('service', service);
  if (options.gateway) url.searchParams.set('gateway', 'true');
  if (options.lang) url.searchParams.set('lang', options.lang);
  return url.href;
}

export function logoutUrl(casUrl: string, service: string): string {
  const url = new URL(`${casUrl}/logout`);
  url.searchParams.set('service', service);
  return url.href;
}

const ATTRIBUTES_PATH = 'serviceResponse.authenticationSuccess.attributes.';

// Prefixes are dropped (the server chooses them, though every CAS server says `cas:`); values stay strings, so a
// user named `007` is not turned into the number 7; attribute elements always become lists.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (_name, jpath) => typeof jpath === 'string' && jpath.startsWith(ATTRIBUTES_PATH),
});

/** Validates a service ticket server-to-server with CAS 3.0's /p3/serviceValidate (user and attributes). */
export async function validateServiceTicket(casUrl: string, service: string, ticket: string): Promise<ValidationResult> {
  const url = new URL(`${casUrl}/p3/serviceValidate`);
  url.searchParams.set('service', service);
  url.searchParams.set('ticket', ticket);
  let body: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/xml' } });
    body = await res.text();
    if (!res.ok) return { ok: false, code: `HTTP_${res.status}`, message: `the CAS server answered HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, code: 'UNREACHABLE', message: `the CAS server could not be reached: ${err instanceof Error ? err.message : err}` };
  }
  return parseServiceResponse(body);
}

/** What fast-xml-parser makes of a CAS service response: the elements it may have, by name. */
interface ParsedServiceResponse {
  serviceResponse?: {
    authenticationFailure?: string | { '#text'?: unknown; '@_code'?: unknown };
    authenticationSuccess?: { user?: unknown; attributes?: Record<string, unknown> };
  };
}

export function parseServiceResponse(xml: string): ValidationResult {
  let doc: ParsedServiceResponse;
  try {
    doc = parser.parse(xml, true) as ParsedServiceResponse;
  } catch (err) {
    return { ok: false, code: 'BAD_RESPONSE', message: `the CAS response is not XML: ${err instanceof Error ? err.message : err}` };
  }
  const response = doc.serviceResponse;
  const failure = response?.authenticationFailure;
  if (failure !== undefined) {
    if (typeof failure === 'string') return { ok: false, code: 'UNKNOWN', message: failure };
    return { ok: false, code: String(failure['@_code'] ?? 'UNKNOWN'), message: String(failure['#text'] ?? '') };
  }
  const success = response?.authenticationSuccess;
  if (!success || typeof success.user !== 'string' || !success.user) {
    return { ok: false, code: 'BAD_RESPONSE', message: 'the CAS response has neither a user nor a failure' };
  }
  const attributes: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(success.attributes ?? {})) {
    if (name.startsWith('@_') || !Array.isArray(values)) continue;
    attributes[name] = values.map((v) => (typeof v === 'object' && v !== null ? String((v as Record<string, unknown>)['#text'] ?? '') : String(v)));
  }
  return { ok: true, principal: { user: success.user, attributes } };
}

/** The ticket a back-channel logout request names (`<samlp:SessionIndex>`), if the XML is a LogoutRequest. */
export function sessionIndexOf(logoutRequestXml: string): string | undefined {
  try {
    const doc = parser.parse(logoutRequestXml, true) as { LogoutRequest?: { SessionIndex?: unknown } };
    const index = doc.LogoutRequest?.SessionIndex;
    return typeof index === 'string' && index ? index : undefined;
  } catch {
    return undefined;
  }
}
