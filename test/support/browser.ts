// One way to start Debian's Chromium for every browser test. Never downloads a browser.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.resolve('test-artifacts');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // This machine has no network: without these flags Chromium keeps trying to reach Google's hosts.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where a test keeps its screenshots (kept as CI artifacts, ignored by git). */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}

export const PHONE_VIEWPORT = { width: 390, height: 844 };
export const DESKTOP_VIEWPORT = { width: 1280, height: 800 };

/**
 * A full-page screenshot to test-artifacts/ (at `viewport` when given), and the check every page passes at every
 * width: nothing sticks out sideways.
 */
export async function screenshotPage(page: Page, name: string, viewport?: { width: number; height: number }): Promise<void> {
  if (viewport) await page.setViewportSize(viewport);
  // A page that refreshes itself (the WeCom emulator's QR page, every second) may do so between the two steps on a
  // slow machine: then both are taken again from the new page.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.screenshot({ path: artifactPath(name), fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
      return;
    } catch (err) {
      if (attempt === 3 || !String(err).includes('Execution context was destroyed')) throw err;
      await page.waitForLoadState();
    }
  }
}
