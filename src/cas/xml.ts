/**
 * XML 1.0 escaping for text and attribute values (docs/cas-protocol.md §0.5). Characters XML 1.0 cannot carry at
 * all, escaped or not (controls other than tab, LF and CR; lone surrogates; U+FFFE and U+FFFF), become U+FFFD: a
 * WeChat nickname, an attribute or an echoed parameter holding one must not make the whole response unreadable.
 */
export function escapeXml(value: string): string {
  // Most values (names, ids, dates, URLs without a query) need nothing: one scan says so.
  if (!NEEDS_WORK.test(value)) return value;
  return value.replace(NOT_XML_CHARACTER, '\uFFFD').replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

// Any character either replacement below could touch: the five escaped ones, and every code unit that is not an XML
// Char on its own (controls but tab, LF and CR; surrogates, paired or not; U+FFFE and U+FFFF).
const NEEDS_WORK = /[&<>"']|[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/;

// Not an XML 1.0 Char: outside tab, LF, CR and U+0020–U+FFFD, or half of a surrogate pair without its other half.
const NOT_XML_CHARACTER = /[^\t\n\r\u0020-\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Attribute names become element names, so only XML names are released. */
export function isXmlName(name: string): boolean {
  return XML_NAME.test(name);
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
