// Every emulator page in Chromium, in both languages: the `<html lang>` it declares and the fonts the
// browser really draws its text with (English in a Latin font, so ’ and “” are not full-width;
// Chinese in a CJK font). Screenshots of the English pages go to test-artifacts/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { qrconnectPath, startEmulator, startQr, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let base: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  t = await startEmulator();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: PHONE_VIEWPORT });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await t?.app.close();
});

/** The fonts Chromium used for the text of the first element matching `selector`, most glyphs first. */
async function renderedFonts(page: Page, selector: string): Promise<string[]> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return fonts.sort((a, b) => b.glyphCount - a.glyphCount).map((f) => f.familyName);
}

const isCjkFont = (family: string): boolean => /CJK|PingFang|YaHei|Hiragino|Source Han|WenQuanYi/i.test(family);

/** The pages a person meets, by language: the QR (full and embedded), the error page, the phone's steps. */
async function pagesIn(lang: 'cn' | 'en'): Promise<Array<{ name: string; url: string; selector: string }>> {
  const uuid = await startQr(t.app, { lang });
  return [
    { name: 'qrconnect', url: qrconnectPath({ lang }), selector: '#wx_default_tip p' },
    { name: 'qrconnect-embedded', url: qrconnectPath({ lang, login_type: 'jssdk', stylelite: '1' }), selector: '.emu-phone-button' },
    { name: 'error', url: qrconnectPath({ lang, scope: 'snsapi_userinfo' }), selector: '.emu-banner' },
    { name: 'phone', url: `/connect/confirm?uuid=${uuid}&lang=${lang}`, selector: '.card' },
    { name: 'phone-unknown-qr', url: `/connect/confirm?uuid=nope&lang=${lang}`, selector: '.emu-banner' },
  ];
}

describe('page language and fonts', () => {
  it('English pages say lang="en" and draw their English text in a Latin font', async () => {
    const page = await context.newPage();
    for (const p of await pagesIn('en')) {
      await page.goto(`${base}${p.url}`);
      expect(await page.getAttribute('html', 'lang'), p.name).toBe('en');
      const fonts = await renderedFonts(page, p.selector);
      expect(fonts.length, p.name).toBeGreaterThan(0);
      expect(isCjkFont(fonts[0] ?? ''), `${p.name} drawn in ${fonts.join(', ')}`).toBe(false);
      // The banner's apostrophe (wecas’s) is the tell-tale: a CJK font draws it full-width.
      if (p.name === 'qrconnect') expect((await renderedFonts(page, '.emu-banner')).some(isCjkFont), 'banner').toBe(false);
      await page.screenshot({ path: artifactPath(`emulator-${p.name}-en.png`), fullPage: true });
    }
    // The switch to Chinese, on an English page, is in Chinese fonts.
    expect(isCjkFont((await renderedFonts(page, '.lang-switch a'))[0] ?? '')).toBe(true);
    await page.close();
  });

  it('Chinese pages say lang="zh-CN" and draw their text in a CJK font', async () => {
    const page = await context.newPage();
    for (const p of await pagesIn('cn')) {
      await page.goto(`${base}${p.url}`);
      expect(await page.getAttribute('html', 'lang'), p.name).toBe('zh-CN');
      const fonts = await renderedFonts(page, p.selector);
      expect(isCjkFont(fonts[0] ?? ''), `${p.name} drawn in ${fonts.join(', ')}`).toBe(true);
    }
    expect(isCjkFont((await renderedFonts(page, '.lang-switch a'))[0] ?? '')).toBe(false);
    await page.close();
  });
});
