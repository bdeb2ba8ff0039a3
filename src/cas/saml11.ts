import { randomBytes } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import type { AuthMethod } from '../tickets/types.js';
import type { Attributes } from './responses.js';
import { escapeXml } from './xml.js';

/**
 * CAS's SAML 1.1 validation (`POST /samlValidate?TARGET=…`, docs/cas-protocol.md §1.7): the SOAP request read with a real XML
 * parser, the SOAP response written as Apereo writes it (default namespaces on Response and Assertion, so phpCAS's
 * getElementsByTagName('NameIdentifier') and OpenSAML's namespace checks both find what they look for).
 */

const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SAMLP_NS = 'urn:oasis:names:tc:SAML:1.0:protocol';
const SAML_NS = 'urn:oasis:names:tc:SAML:1.0:assertion';
const CAS_ATTRIBUTE_NS = 'http://www.ja-sig.org/products/cas/';
const ARTIFACT_CONFIRMATION = 'urn:oasis:names:tc:SAML:1.0:cm:artifact';

/** The Java client checks now ∈ [NotBefore − 1 s, NotOnOrAfter + 1 s]: allow for its clock a little behind ours. */
const SKEW_ALLOWANCE_MS = 5_000;
/** Apereo's sample window. */
const ASSERTION_LIFETIME_MS = 30_000;

export type SamlRequest = { ok: true; artifact: string; requestId: string | undefined } | { ok: false; reason: string };

/**
 * Reads the ticket (AssertionArtifact) and RequestID of a SAML 1.1 SOAP request. Tolerant where clients differ:
 * IssueInstant is neither required nor checked (mod_auth_cas sends none, phpCAS a fixed one from 2002), RequestIDs
 * may repeat (phpCAS's is fixed), the artifact may be URL-encoded (phpCAS). Strict where it matters: SOAP forbids a
 * DTD, and refusing one keeps entity tricks out.
 */
export function parseSamlRequest(body: string): SamlRequest {
  if (!body.trim()) return { ok: false, reason: 'The request has no SOAP body' };
  if (/<!DOCTYPE/i.test(body)) return { ok: false, reason: 'A SOAP message must not contain a DTD' };
  const problems: string[] = [];
  let doc: ReturnType<DOMParser['parseFromString']> | undefined;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') problems.push(message);
      },
    }).parseFromString(body, 'text/xml');
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  if (!doc || problems.length > 0) return { ok: false, reason: 'The request is not well-formed XML' };
  const artifactElement = doc.getElementsByTagNameNS('*', 'AssertionArtifact')[0];
  const raw = artifactElement?.textContent?.trim();
  if (!raw) return { ok: false, reason: 'The request carries no AssertionArtifact' };
  const request = doc.getElementsByTagNameNS('*', 'Request')[0];
  const requestId = request?.getAttribute('RequestID') || undefined;
  return { ok: true, artifact: decodeArtifact(raw), requestId };
}

function decodeArtifact(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export interface SamlSuccess {
  user: string;
  attributes: Attributes;
  /** TARGET: the Recipient and the Audience. */
  service: string;
  /** The host name of this server. */
  issuer: string;
  now: number;
  authentication: { time: number; method: AuthMethod };
  inResponseTo: string | undefined;
}

export function samlSuccessXml(s: SamlSuccess): string {
  const issued = iso(s.now);
  // Attributes only travel to https services (docs/cas-protocol.md §1.7); an AttributeStatement needs at least one Attribute.
  const names = s.service.toLowerCase().startsWith('https://') ? Object.keys(s.attributes).filter((n) => s.attributes[n]!.length > 0) : [];
  const subject = [
    '<Subject>',
    `<NameIdentifier>${escapeXml(s.user)}</NameIdentifier>`,
    `<SubjectConfirmation><ConfirmationMethod>${ARTIFACT_CONFIRMATION}</ConfirmationMethod></SubjectConfirmation>`,
    '</Subject>',
  ].join('');
  const attributeStatement = names.length
    ? [
        '<AttributeStatement>',
        subject,
        ...names.map(
          (name) =>
            `<Attribute AttributeName="${escapeXml(name)}" AttributeNamespace="${CAS_ATTRIBUTE_NS}">` +
            s.attributes[name]!.map((v) => `<AttributeValue>${escapeXml(String(v))}</AttributeValue>`).join('') +
            '</Attribute>',
        ),
        '</AttributeStatement>',
      ].join('')
    : '';
  const assertion = [
    `<Assertion xmlns="${SAML_NS}" AssertionID="${samlId()}" IssueInstant="${issued}" Issuer="${escapeXml(s.issuer)}" MajorVersion="1" MinorVersion="1">`,
    `<Conditions NotBefore="${iso(s.now - SKEW_ALLOWANCE_MS)}" NotOnOrAfter="${iso(s.now + ASSERTION_LIFETIME_MS)}">`,
    `<AudienceRestrictionCondition><Audience>${escapeXml(s.service)}</Audience></AudienceRestrictionCondition>`,
    '</Conditions>',
    attributeStatement,
    `<AuthenticationStatement AuthenticationInstant="${iso(s.authentication.time)}" AuthenticationMethod="${authenticationMethodUri(s.authentication.method)}">`,
    subject,
    '</AuthenticationStatement>',
    '</Assertion>',
  ].join('');
  return envelope(responseElement(s.service, s.inResponseTo, issued, `<Status><StatusCode Value="samlp:Success"/></Status>${assertion}`));
}

/** A refused validation: RequestDenied with the reason, and no Assertion (what Apereo's SamlResponseBuilder sends). */
export function samlFailureXml(f: { service: string | undefined; inResponseTo: string | undefined; now: number; message: string }): string {
  const status = `<Status><StatusCode Value="samlp:RequestDenied"/><StatusMessage>${escapeXml(f.message)}</StatusMessage></Status>`;
  return envelope(responseElement(f.service, f.inResponseTo, iso(f.now), status));
}

function responseElement(recipient: string | undefined, inResponseTo: string | undefined, issued: string, content: string): string {
  const attributes = [
    `xmlns="${SAMLP_NS}"`,
    `xmlns:samlp="${SAMLP_NS}"`,
    `xmlns:saml="${SAML_NS}"`,
    `ResponseID="${samlId()}"`,
    `IssueInstant="${issued}"`,
    'MajorVersion="1"',
    'MinorVersion="1"',
    ...(recipient ? [`Recipient="${escapeXml(recipient)}"`] : []),
    ...(inResponseTo ? [`InResponseTo="${escapeXml(inResponseTo)}"`] : []),
  ];
  return `<Response ${attributes.join(' ')}>${content}</Response>`;
}

function envelope(body: string): string {
  return `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP_NS}"><SOAP-ENV:Header/><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

function authenticationMethodUri(method: AuthMethod): string {
  return method === 'password' ? 'urn:oasis:names:tc:SAML:1.0:am:password' : 'urn:oasis:names:tc:SAML:1.0:am:unspecified';
}

/** SAML ids are xs:ID (NCName): they must not start with a digit, hence the underscore. */
function samlId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
