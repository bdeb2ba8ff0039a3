import { type CountryCode, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { callingCode } from '../../users/phone.js';
import type { Locale } from './i18n.js';

/** Names the ICU data gets wrong for this audience: CN alone is the mainland, as the pages must say. */
const OWN_NAMES: Partial<Record<string, Record<Locale, string>>> = {
  CN: { en: 'mainland China', 'zh-CN': '中国大陆' },
};

/** The countries SMS codes go to, as a person reads them: `mainland China (+86)`, `中国大陆 (+86)、中国香港特别行政区 (+852)`. */
export function countryList(locale: Locale, codes: readonly string[]): string {
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  const described = codes.map(
    (code) => `${(Object.hasOwn(OWN_NAMES, code) ? OWN_NAMES[code]?.[locale] : undefined) ?? names.of(code) ?? code} (${callingCode(code)})`,
  );
  return described.join(locale === 'en' ? ', ' : '、');
}

/** An example mobile number of the first country (the one a number without + is read as), for the placeholder. */
export function examplePhone(codes: readonly string[]): string {
  return getExampleNumber((codes[0] ?? 'CN') as CountryCode, examples)?.formatNational() ?? '';
}
