import { spawnSync } from 'node:child_process';
import { DOMParser } from '@xmldom/xmldom';

/**
 * What an XML 1.0 processor must refuse that xmldom lets through: characters outside the `Char` production
 * (U+0000–U+001F but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF), raw or as character references
 * (XML 1.0 §2.2 and the Legal Character constraint of §4.1). xmldom 0.9 reports neither.
 */
export function illegalXmlCharacters(xml: string): string[] {
  const found: string[] = [];
  for (const match of xml.matchAll(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu))
    found.push(`U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at ${match.index}`);
  for (const match of xml.matchAll(/&#(x[0-9A-Fa-f]+|[0-9]+);/g)) {
    const code = match[1]!.startsWith('x') ? Number.parseInt(match[1]!.slice(1), 16) : Number(match[1]);
    if (!isXmlChar(code)) found.push(`${match[0]} at ${match.index}`);
  }
  return found;
}

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

/** Parses a document strictly: xmldom's errors and the characters it does not check both fail. */
export function parseStrictXml(xml: string) {
  const errors = illegalXmlCharacters(xml).map((c) => `character not allowed in XML: ${c}`);
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(xml, 'text/xml');
  if (errors.length) throw new Error(`malformed XML: ${errors.join('; ')}\n${xml}`);
  return doc;
}

/**
 * The libxml2 verdict on each document (PHP's DOMDocument::loadXML, the parser phpCAS reads responses with): an
 * empty list for a well-formed one, libxml's messages otherwise. One PHP process for the whole batch.
 */
export function libxmlErrors(documents: string[]): string[][] {
  const script = `
    $out = [];
    foreach (json_decode(stream_get_contents(STDIN)) as $xml) {
      libxml_use_internal_errors(true);
      libxml_clear_errors();
      (new DOMDocument())->loadXML($xml);
      $out[] = array_map(fn($e) => trim($e->message), libxml_get_errors());
    }
    echo json_encode($out);`;
  const php = spawnSync('php', ['-r', script], { input: JSON.stringify(documents), encoding: 'utf8' });
  if (php.status !== 0) throw new Error(`php failed (${php.status}): ${php.stderr}`);
  return JSON.parse(php.stdout) as string[][];
}
