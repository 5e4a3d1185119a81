// Renderers and dashboard mode in real Chromium against a real kernel: the KPI chart drawn by
// Vega-Lite as SVG under the page's CSP (no eval), Company Health opened from its artifact in
// dashboard mode, a filter and a drill-down that re-run the tool, a widget moved with the keyboard
// that stays moved after a reload (kept by the kernel), and an extension's renderer running in a
// sandboxed frame that cannot reach the page, while forged messages are ignored.
process.env.PENNY_TEST_DB ??= 'pglite';

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from '../../kernel/test/harness.ts';
import { installDirectly } from '../../kernel/test/extension-fixtures.ts';
import { ensureBuilt, freePort, launchChromium, openPage, repoRoot, screenshot, uiRoot, type WatchedPage } from './browser-harness.ts';
import { installIframeRendererFixture } from './fixtures/iframe-renderer/install.ts';

describe('renderers and dashboards in Chromium', { timeout: 120_000 }, () => {
  let k: TestKernel;
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;
  let api: Api;
  const workerWarnings: string[] = [];
  const workers: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    await ensureBuilt();
    const generous = {
      perUser: 10_000,
      perTenant: 10_000,
      perAnonymousIp: 10_000,
      windowMs: 60_000,
      loginFailuresPerAccount: 5,
      loginFailuresPerIp: 50,
      loginWindowMs: 60_000,
    };
    k = await startTestKernel({ config: { port, publicUrl: `http://127.0.0.1:${port}`, rateLimit: generous, demoTenant: false } });
    const platform = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const acme = await platform.post('/v1/tenants', { slug: 'acme', name: 'Acme Inc' });
    expect(acme.status).toBe(201);
    api = new Api(k.url, platform.token, 'acme');
    expect((await api.post('/v1/datasources/company/seed', { seed: 7, months: 24, endMonth: '2026-11' })).status).toBe(200);
    await installDirectly(k.kernel, acme.body.id, path.join(repoRoot, 'extensions/company-kpis'));
    await installDirectly(k.kernel, acme.body.id, path.join(repoRoot, 'extensions/dashboards'));
    await installIframeRendererFixture(k.kernel, acme.body.id);
    browser = await launchChromium();
    watched = await openPage(browser, k.url);
    page = watched.page;
    // Monaco only warns (and falls back to the main thread) when the CSP refuses its worker.
    page.on('console', (message) => {
      if (/worker/i.test(message.text())) workerWarnings.push(message.text());
    });
    page.on('worker', (worker) => workers.push(worker.url()));
    await page.goto('/signin');
    await page.fill('#signin-email', ADMIN_EMAIL);
    await page.fill('#signin-password', ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });

  const runTool = async (tool: string, fill: () => Promise<void>) => {
    await page.goto(`/tools?tool=${tool}`);
    await page.getByRole('button', { name: `Run ${tool}` }).waitFor();
    await fill();
    await page.getByRole('button', { name: `Run ${tool}` }).click();
    const step = page.locator('.tool-step').first();
    await step.getByText('Succeeded').waitFor();
    return step;
  };

  it('draws the KPI chart as SVG with Vega-Lite, under the page CSP', async () => {
    const step = await runTool('get_company_kpis', () => page.selectOption('#arg-period', 'QTD').then(() => undefined));
    const chart = step.locator('.vega-chart svg').first();
    await chart.waitFor();
    // Grouped bars: revenue and budget for each month of the quarter.
    await expect.poll(() => step.locator('.vega-chart svg .mark-rect path').count()).toBeGreaterThanOrEqual(2);
    expect(await step.locator('.vega-chart canvas').count()).toBe(0);
    expect(await step.locator('.vega-chart [role=alert]').count()).toBe(0);
    // A CSP violation (an eval) would be logged as a console error.
    expect(watched.errors).toEqual([]);
    await screenshot(page, 'renderers-01-kpi-chart');

    // Theme-aware: axis labels follow the theme's text colour, and switch with it.
    const labelFill = () => step.locator('.vega-chart svg .role-axis-label text').first().getAttribute('fill');
    await page.selectOption('#theme-select', 'light');
    await expect.poll(labelFill).toBe('#1b2130');
    await page.selectOption('#theme-select', 'dark');
    await expect.poll(labelFill).toBe('#e6e9ef');
    await screenshot(page, 'renderers-01b-kpi-chart-dark');
    await page.selectOption('#theme-select', 'light');
  });

  it('opens Company Health from its artifact in dashboard mode', async () => {
    const step = await runTool('load_dashboard', () => page.selectOption('#arg-slug', 'company-health').then(() => undefined));
    await step.locator('.dashboard-renderer .vega-chart svg').first().waitFor();
    await step.getByRole('button', { name: 'Open in dashboard mode' }).click();
    await page.getByRole('heading', { name: 'Company Health', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboards/company-health');
    const widgets = page.locator('.dashboard-mode .dashboard-widget');
    await expect.poll(() => widgets.count()).toBe(4);
    await expect.poll(() => page.locator('.dashboard-mode .vega-chart svg').count()).toBe(3);
    // Four widgets, two per row, as the manifest places them on the 12-column grid.
    const boxes = await Promise.all([0, 1, 2, 3].map((i) => widgets.nth(i).boundingBox()));
    expect(boxes[0]!.y).toBeCloseTo(boxes[1]!.y, 0);
    expect(boxes[2]!.y).toBeGreaterThan(boxes[0]!.y + boxes[0]!.height - 1);
    expect(watched.errors).toEqual([]);
    await screenshot(page, 'renderers-02-dashboard-mode');
  });

  it('filters and drills down by re-running the dashboard, with a breadcrumb back', async () => {
    const incidents = page.locator('.dashboard-widget[data-widget="incidents"]');
    await page.selectOption('select[name="period"]', 'YTD');
    await incidents.getByRole('heading', { name: 'Incidents, YTD' }).waitFor();
    expect(new URL(page.url()).searchParams.get('period')).toBe('YTD');
    const rows = incidents.locator('.table-body [role=row]');
    await expect.poll(() => rows.count()).toBe(3);

    // Drill down: the Cloud Services row narrows the whole dashboard to that business unit.
    await incidents.getByRole('cell', { name: 'Cloud Services', exact: true }).click();
    await page.getByRole('navigation', { name: 'Drill-down path' }).getByText('Cloud Services').waitFor();
    const url = new URL(page.url());
    expect([url.searchParams.get('unit'), url.searchParams.get('id'), url.searchParams.get('period')]).toEqual(['bu', 'cloud', 'YTD']);
    await expect.poll(() => rows.count()).toBe(1);
    await screenshot(page, 'renderers-03-drill-down');

    await page.getByRole('navigation', { name: 'Drill-down path' }).getByRole('button', { name: 'Company Health' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    expect(new URL(page.url()).searchParams.get('id')).toBeNull();
  });

  it('moves a widget with the keyboard and keeps the arrangement across a reload', async () => {
    await page.getByRole('button', { name: 'Arrange' }).click();
    const handle = page.getByRole('button', { name: /^Move or resize Incidents/ });
    await handle.focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowUp');
    const incidents = page.locator('.dashboard-widget[data-widget="incidents"]');
    await expect.poll(async () => [await incidents.getAttribute('data-x'), await incidents.getAttribute('data-y')]).toEqual(['0', '0']);
    await page.getByRole('status').getByText('Layout saved').waitFor();
    // The widget that was there moved down, not under it.
    expect(Number(await page.locator('.dashboard-widget[data-widget="revenue-vs-budget"]').getAttribute('data-y'))).toBeGreaterThanOrEqual(
      4,
    );

    // With the mouse: dragging Burn's corner two columns left makes it two columns narrower.
    const burn = page.locator('.dashboard-widget[data-widget="burn"]');
    const corner = (await burn.locator('.resize-handle').boundingBox())!;
    const column = (await page.locator('.dashboard-mode .dashboard-grid').boundingBox())!.width / 12;
    await page.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
    await page.mouse.down();
    await page.mouse.move(corner.x - column, corner.y, { steps: 4 });
    await page.mouse.move(corner.x - 2 * column + corner.width / 2, corner.y + corner.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => burn.getAttribute('data-w')).toBe('4');
    await screenshot(page, 'renderers-04-arranged');

    await page.reload();
    await page.getByRole('heading', { name: 'Company Health', level: 1 }).waitFor();
    await expect.poll(async () => [await incidents.getAttribute('data-x'), await incidents.getAttribute('data-y')]).toEqual(['0', '0']);
    // Kept by the kernel for this user and tenant, not in the browser.
    const saved = await api.get('/v1/me/preferences/dashboard.layout.company-health');
    expect(saved.body.value.widgets).toContainEqual({ widget: 'incidents', x: 0, y: 0, w: 6, h: 4 });
    expect(saved.body.value.widgets).toContainEqual({ widget: 'burn', x: 6, y: 0, w: 4, h: 4 });
    await expect.poll(() => page.locator('.dashboard-widget[data-widget="burn"]').getAttribute('data-w')).toBe('4');

    // Leaving dashboard mode returns to where it was opened from.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('heading', { name: 'Tools', level: 1 }).waitFor();
  });

  it('runs an extension renderer in a sandboxed frame that cannot reach the page, and ignores forged messages', async () => {
    const step = await runTool('show_cards', async () => {
      await page.fill('#arg-labels-0', 'North');
      await page.press('#arg-labels-0', 'Enter');
      await page.fill('#arg-labels-1', 'South');
    });
    const frameElement = step.locator('iframe.renderer-frame');
    await frameElement.waitFor();
    expect(await frameElement.getAttribute('sandbox')).toBe('allow-scripts');
    await expect.poll(() => frameElement.getAttribute('data-ready')).toBe('true');
    const frame = (await frameElement.elementHandle())!.contentFrame();
    const content = (await frame)!;
    await content.locator('button.card', { hasText: 'South' }).waitFor();
    const probe = content.locator('#probe');
    expect(await probe.getAttribute('data-parent-document')).toBe('blocked');
    await expect.poll(() => probe.getAttribute('data-network')).toBe('blocked');
    // The frame is an opaque origin: no access to the page, its cookies or its storage.
    expect(
      await content.evaluate(() => {
        try {
          return window.parent.document.title;
        } catch {
          return 'blocked';
        }
      }),
    ).toBe('blocked');
    expect(
      await content.evaluate(() => {
        try {
          return document.cookie;
        } catch {
          return 'blocked';
        }
      }),
    ).toBe('blocked');
    expect(await content.evaluate(() => window.origin)).toBe('null');
    // The frame grew to its content through a resize message.
    await expect.poll(async () => (await frameElement.boundingBox())!.height).toBeGreaterThan(60);
    await screenshot(page, 'renderers-05-iframe-renderer');

    // Forged messages: from the page's own window (not the frame), and from the frame in a wrong shape.
    const before = Number(await frameElement.getAttribute('data-ignored'));
    const height = (await frameElement.boundingBox())!.height;
    await page.evaluate(() => window.postMessage({ penny: 1, type: 'resize', height: 3000 }, '*'));
    await content.evaluate(() => window.parent.postMessage({ penny: 1, type: 'resize', height: '3000px' }, '*'));
    await content.evaluate(() => window.parent.postMessage({ penny: 1, type: 'resize', height: 3000, script: 'alert(1)' }, '*'));
    await expect.poll(async () => Number(await frameElement.getAttribute('data-ignored'))).toBeGreaterThanOrEqual(before + 3);
    expect(Math.round((await frameElement.boundingBox())!.height)).toBe(Math.round(height));

    // A well-formed message from the frame is honoured: a click becomes a `select` action.
    const selected = page.evaluate(
      () =>
        new Promise<unknown>((resolve) =>
          document.addEventListener('penny-datum', (e) => resolve((e as CustomEvent).detail), { once: true }),
        ),
    );
    await content.locator('button.card', { hasText: 'North' }).click();
    expect(await selected).toEqual({ id: 'card-1', name: 'North' });

    // The Python artifact of the same call opens in the read-only code editor.
    const code = step.locator('.monaco-code[data-ready="true"] .monaco-editor');
    await code.waitFor();
    await expect.poll(() => code.locator('.view-lines').innerText()).toContain('print("South")');
    // Read-only: typing changes nothing.
    await code.locator('.view-lines').click();
    await page.keyboard.type('zzz');
    expect(await code.locator('.view-lines').innerText()).not.toContain('zzz');
    await screenshot(page, 'renderers-06-monaco-code');
    // Its editor worker came from our own origin, allowed by the page CSP.
    expect(workerWarnings).toEqual([]);
    // A read-only editor may never need its worker; start the built one the way the loader does, to
    // show the page CSP lets it run (a refused worker never gets an execution context).
    const assets = await fs.readdir(path.join(uiRoot, 'dist', 'assets'));
    const sizes = await Promise.all(
      assets
        .filter((f) => /^editor\.worker-.+\.js$/.test(f))
        .map(async (f) => [f, (await fs.stat(path.join(uiRoot, 'dist', 'assets', f))).size] as const),
    );
    const workerFile = sizes.sort((a, b) => b[1] - a[1])[0]![0];
    await page.evaluate((url) => void new Worker(url, { type: 'module' }), `/assets/${workerFile}`);
    await expect.poll(() => workers.some((url) => url === `${k.url}/assets/${workerFile}`)).toBe(true);
    // The frame's blocked fetch is reported by the browser as a CSP violation inside the frame; the page logs nothing else.
    expect(watched.errors.filter((e) => !e.includes('Content Security Policy'))).toEqual([]);
  });
});
