import type { CasError } from './errors.js';
import { escapeXml, isXmlName } from './xml.js';

export type AttributeValue = string | boolean;
export type Attributes = Record<string, AttributeValue[]>;

/** What a successful ticket validation tells the client. */
export interface ValidationSuccess {
  user: string;
  attributes: Attributes; // empty when none are released to this endpoint
  proxyGrantingTicketIou?: string;
  proxies?: string[]; // newest first
}

export type ResponseFormat = 'XML' | 'JSON';

const CAS_NS = 'http://www.yale.edu/tp/cas';
export const CONTENT_TYPES = {
  xml: 'application/xml;charset=UTF-8',
  soap: 'text/xml;charset=UTF-8',
  json: 'application/json;charset=UTF-8',
  text: 'text/plain;charset=UTF-8',
} as const;

/** CAS 2.0/3.0 service response, with the literal `cas:` prefix real clients index by (docs/cas-protocol.md §0.1). */
export function validationXml(result: ValidationSuccess | CasError): string {
  if (!('user' in result)) return failureXml('authenticationFailure', result);
  // One string built by appending (V8 flattens it once, when written): every validation renders one.
  let xml = `<cas:serviceResponse xmlns:cas="${CAS_NS}">\n  <cas:authenticationSuccess>\n    <cas:user>${escapeXml(result.user)}</cas:user>\n`;
  let attributes = '';
  for (const name in result.attributes) {
    if (!isXmlName(name)) continue;
    for (const value of result.attributes[name]!) attributes += `      <cas:${name}>${escapeXml(String(value))}</cas:${name}>\n`;
  }
  if (attributes) xml += `    <cas:attributes>\n${attributes}    </cas:attributes>\n`;
  if (result.proxyGrantingTicketIou) xml += `    <cas:proxyGrantingTicket>${escapeXml(result.proxyGrantingTicketIou)}</cas:proxyGrantingTicket>\n`;
  if (result.proxies?.length) {
    xml += '    <cas:proxies>\n';
    for (const p of result.proxies) xml += `      <cas:proxy>${escapeXml(p)}</cas:proxy>\n`;
    xml += '    </cas:proxies>\n';
  }
  return `${xml}  </cas:authenticationSuccess>\n</cas:serviceResponse>\n`;
}

/** The JSON form Apereo CAS emits: every attribute value an array, booleans as booleans. */
export function validationJson(result: ValidationSuccess | CasError): string {
  if (!('user' in result)) return JSON.stringify({ serviceResponse: { authenticationFailure: { code: result.code, description: result.message } } });
  const success: Record<string, unknown> = { user: result.user };
  if (result.proxyGrantingTicketIou) success.proxyGrantingTicket = result.proxyGrantingTicketIou;
  if (result.proxies?.length) success.proxies = result.proxies;
  if (Object.keys(result.attributes).length > 0) success.attributes = result.attributes;
  return JSON.stringify({ serviceResponse: { authenticationSuccess: success } });
}

/** CAS 1.0 `/validate`: `yes\n<user>\n` or `no\n\n` (what Apereo and LemonLDAP send). */
export function validationText(result: ValidationSuccess | CasError): string {
  return 'user' in result ? `yes\n${result.user}\n` : 'no\n\n';
}

export function proxySuccessXml(proxyTicket: string): string {
  return [
    `<cas:serviceResponse xmlns:cas="${CAS_NS}">`,
    '  <cas:proxySuccess>',
    `    <cas:proxyTicket>${escapeXml(proxyTicket)}</cas:proxyTicket>`,
    '  </cas:proxySuccess>',
    '</cas:serviceResponse>',
    '',
  ].join('\n');
}

export function proxyFailureXml(error: CasError): string {
  return failureXml('proxyFailure', error);
}

/** `/proxy` with format=JSON, as the spec's samples write it (docs/cas-protocol.md §1.6) (its failure reuses `authenticationFailure`). */
export function proxyJson(result: string | CasError): string {
  if (typeof result !== 'string')
    return JSON.stringify({ serviceResponse: { authenticationFailure: { code: result.code, description: result.message } } });
  return JSON.stringify({ serviceResponse: { proxySuccess: { proxyTicket: result } } });
}

function failureXml(element: 'authenticationFailure' | 'proxyFailure', error: CasError): string {
  return [
    `<cas:serviceResponse xmlns:cas="${CAS_NS}">`,
    `  <cas:${element} code="${error.code}">${escapeXml(error.message)}</cas:${element}>`,
    '</cas:serviceResponse>',
    '',
  ].join('\n');
}
