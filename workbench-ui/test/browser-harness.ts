// What the workbench's browser tests share: a built UI, a real kernel serving it on a known port,
// Debian's Chromium driven by playwright-core, screenshots, and a click counter for the
// "in fewer than N clicks" checks.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const uiRoot = path.resolve(import.meta.dirname, '..');
export const repoRoot = path.resolve(uiRoot, '..');
export const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const stat = await fs.stat(path.join(entry.parentPath, entry.name));
    newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** Builds the UI when dist/ is missing or older than any source file, so repeated runs stay fast. */
export async function ensureBuilt(): Promise<void> {
  const index = path.join(uiRoot, 'dist', 'index.html');
  const built = await fs.stat(index).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(await newestMtime(path.join(uiRoot, 'src')), ...(await Promise.all(['index.html', 'vite.config.ts'].map((f) => fs.stat(path.join(uiRoot, f)).then((s) => s.mtimeMs)))));
  if (built > sources) return;
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: uiRoot, maxBuffer: 16 * 1024 * 1024 });
}

/** A port that is free now: the invitation links the kernel writes must name the port it listens on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
    server.once('error', reject);
  });
}

const CHROMIUM = process.env.PENNY_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Chromium; each launch gets a fresh temporary profile that is deleted on close. */
export async function launchChromium(): Promise<Browser> {
  // playwright-core's own browser downloads cannot work offline; Debian's package can.
  await fs.access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`);
  });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors other than expected HTTP failures. */
  errors: string[];
}

export async function openPage(browser: Browser, baseURL: string): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 4xx it receives (e.g. the 401 of the session probe before sign-in).
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
  return { page, context, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** Clicks (and choices in a select) made through it are counted, like a user's. */
export class ClickCounter {
  count = 0;

  async click(target: Locator): Promise<void> {
    this.count++;
    await target.click();
  }

  async select(target: Locator, value: string): Promise<void> {
    this.count++;
    await target.selectOption(value);
  }

  reset(): void {
    this.count = 0;
  }
}

export interface PageTimings {
  /** ms from navigation start until the HTML was parsed. */
  domInteractive: number;
  domContentLoaded: number;
  load: number;
  /** ms from navigation start until the view had rendered (the performance mark it sets). */
  rendered: number | null;
  /** Bytes of JS and CSS for the page, as encoded on the wire (brotli or gzip) and decoded. */
  assetBytes: number;
  assets: { name: string; encoded: number; decoded: number }[];
}

/** Navigation timing of the current page, and when the mark `penny:<view>-rendered` was set. */
export async function pageTimings(page: Page, view: 'shell' | 'signin'): Promise<PageTimings> {
  return page.evaluate((mark) => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const rendered = performance.getEntriesByName(mark)[0];
    const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.name.includes('/assets/'));
    return {
      domInteractive: Math.round(nav.domInteractive),
      domContentLoaded: Math.round(nav.domContentLoadedEventEnd),
      load: Math.round(nav.loadEventEnd),
      rendered: rendered ? Math.round(rendered.startTime) : null,
      assetBytes: assets.reduce((sum, r) => sum + r.encodedBodySize, 0),
      assets: assets.map((r) => ({ name: r.name.slice(r.name.lastIndexOf('/') + 1), encoded: r.encodedBodySize, decoded: r.decodedBodySize })),
    };
  }, `penny:${view}-rendered`);
}

/** A table of `count` rows with a text and a number column, in a shuffled order. */
export function salesRows(count: number): [string, number][] {
  const rows: [string, number][] = [];
  for (let i = 1; i <= count; i++) rows.push([`region-${String(i).padStart(5, '0')}`, (i * 7919) % 100_003]);
  return rows;
}
