// How the demo app picks its language: the remembered switch, else Accept-Language by q-value, else English.
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { localeOf } from '../../examples/demo-app/i18n.js';

const request = (acceptLanguage?: string) => ({ headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} }) as http.IncomingMessage;

describe('the demo app’s language', () => {
  it.each([
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['fr-FR, zh;q=0.5, en;q=0.3', 'zh-CN'],
    ['en;q=0, zh-TW', 'zh-CN'],
    ['fr', 'en'],
    [undefined, 'en'],
  ])('Accept-Language %s → %s', (header, locale) => {
    expect(localeOf(request(header), undefined)).toBe(locale);
  });

  it('follows the switch (cookie) over the browser, and ignores a cookie it does not know', () => {
    expect(localeOf(request('en-US'), 'zh-CN')).toBe('zh-CN');
    expect(localeOf(request('zh-CN'), 'en')).toBe('en');
    expect(localeOf(request('zh-CN'), 'klingon')).toBe('zh-CN');
  });
});
