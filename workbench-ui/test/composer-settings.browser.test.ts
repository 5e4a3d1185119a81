// White-label theme, tenant settings, composer mode and front-end telemetry in real Chromium
// against a real kernel (embedded database, PENNY_TELEMETRY=kernel): an admin's theme shows in the
// header without a reload and for another member after sign-in, high contrast still wins, model
// settings persist, a composer prompt with an inserted tool reference streams its answer into the
// page, and an error thrown in the page reaches the kernel's collector.
process.env.PENNY_TEST_DB ??= 'pglite';

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadTelemetryConfig } from '../../kernel/src/telemetry/telemetry.config.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from '../../kernel/test/harness.ts';
import { installDirectly } from '../../kernel/test/extension-fixtures.ts';
import { ensureBuilt, freePort, launchChromium, openPage, repoRoot, screenshot, type WatchedPage } from './browser-harness.ts';

const MEMBER = { email: 'mia@acme.test', password: 'a long enough password 77' };
// A 1×1 PNG.
const LOGO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PRIMARY = '#0b6e4f';

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  await page.fill('#signin-email', email);
  await page.fill('#signin-password', password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.app-header').waitFor();
}

const cssVar = (page: Page, name: string) => page.evaluate((n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim(), name);

describe('composer, tenant settings, white-label and telemetry in Chromium', { timeout: 120_000 }, () => {
  let k: TestKernel;
  let browser: Browser;
  let admin: WatchedPage;
  let page: Page;
  let api: Api;

  beforeAll(async () => {
    const port = await freePort();
    await ensureBuilt();
    const generous = { perUser: 10_000, perTenant: 10_000, perAnonymousIp: 10_000, windowMs: 60_000, loginFailuresPerAccount: 5, loginFailuresPerIp: 50, loginWindowMs: 60_000 };
    k = await startTestKernel({ config: { port, publicUrl: `http://127.0.0.1:${port}`, rateLimit: generous, telemetry: loadTelemetryConfig({ PENNY_TELEMETRY: 'kernel' }) } });
    api = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const acme = await api.post('/v1/tenants', { slug: 'acme', name: 'Acme Inc' });
    expect(acme.status).toBe(201);
    await installDirectly(k.kernel, acme.body.id, path.join(repoRoot, 'kernel/test/fixtures/scripted-llm'));
    await installDirectly(k.kernel, acme.body.id, path.join(repoRoot, 'extensions/echo-table'));
    api.tenant = 'acme';
    const invitation = await api.post('/v1/invitations', { email: MEMBER.email, role: 'viewer' });
    expect(invitation.status).toBe(201);
    expect((await new Api(k.url).post('/v1/invitations/accept', { token: invitation.body.token, password: MEMBER.password, displayName: 'Mia' })).status).toBe(201);
    browser = await launchChromium();
    admin = await openPage(browser, k.url);
    page = admin.page;
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.locator('#tenant-select').selectOption('acme');
    await page.getByText('Now working in Acme Inc.').waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('applies the theme an admin saves to the header at once, and to another member after sign-in', async () => {
    await page.goto('/admin/settings');
    await page.locator('#theme-app-name').fill('Acme Cloud');
    await page.locator('#theme-color-primary').fill(PRIMARY);
    await page.locator('#theme-logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: LOGO });
    // Live preview before saving.
    await expect.poll(() => page.locator('.app-header .brand-name').textContent()).toBe('Acme Cloud');
    await page.getByRole('button', { name: 'Save theme' }).click();
    await page.getByText('Settings saved.').first().waitFor();
    const stored = await api.get('/v1/tenant/settings');
    expect(stored.body.theme).toMatchObject({ appName: 'Acme Cloud', colors: { primary: PRIMARY } });
    expect(stored.body.theme.logoUrl).toMatch(/^data:image\/png;base64,/);

    // Elsewhere in the workbench, without a reload.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tools' }).click();
    await page.getByRole('heading', { name: 'Tools', level: 1 }).waitFor();
    expect(await page.locator('.app-header .brand-name').textContent()).toBe('Acme Cloud');
    expect(await page.locator('.app-header img.brand-logo').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await page.title()).toBe('Acme Cloud');
    expect(await cssVar(page, '--accent')).toBe(PRIMARY);
    expect(await cssVar(page, '--accent-text')).toBe('#ffffff');
    await screenshot(page, 'composer-01-tenant-theme');

    // High contrast wins over tenant colours; the name and logo stay.
    await page.locator('#theme-select').selectOption('high-contrast');
    await expect.poll(() => cssVar(page, '--accent')).toBe('#ffe500');
    expect(await cssVar(page, '--bg')).toBe('#000000');
    expect(await page.locator('.app-header .brand-name').textContent()).toBe('Acme Cloud');
    await screenshot(page, 'composer-02-high-contrast');
    await page.locator('#theme-select').selectOption('light');
    await expect.poll(() => cssVar(page, '--accent')).toBe(PRIMARY);

    const member = await openPage(browser, k.url);
    await signIn(member.page, MEMBER.email, MEMBER.password);
    await expect.poll(() => member.page.locator('.app-header .brand-name').textContent()).toBe('Acme Cloud');
    await expect.poll(() => cssVar(member.page, '--accent')).toBe(PRIMARY);
    expect(await member.page.title()).toBe('Acme Cloud');
    await screenshot(member.page, 'composer-03-member-sees-theme');
    // Signing out takes the theme away again.
    await member.page.getByRole('button', { name: /Account menu/ }).click();
    await member.page.getByRole('menuitem', { name: 'Sign out' }).click();
    await member.page.locator('#signin-email').waitFor();
    await expect.poll(() => cssVar(member.page, '--accent')).not.toBe(PRIMARY);
    expect(await member.page.title()).toBe('Penny');
    await member.context.close();
  });

  it('keeps the default model and the no-external-models switch', async () => {
    await page.goto('/admin/settings');
    await page.locator('#settings-default-model option[value="scripted/scripted-1"]').waitFor({ state: 'attached' });
    await page.locator('#settings-default-model').selectOption('scripted/scripted-1');
    await page.locator('#settings-no-external').check();
    await page.getByRole('button', { name: 'Save models and language' }).click();
    await page.getByText('Settings saved.').first().waitFor();
    await page.reload();
    await page.locator('#settings-default-model option[value="scripted/scripted-1"]').waitFor({ state: 'attached' });
    await expect.poll(() => page.locator('#settings-default-model').inputValue()).toBe('scripted/scripted-1');
    expect(await page.locator('#settings-no-external').isChecked()).toBe(true);
    const stored = await api.get('/v1/tenant/settings');
    expect(stored.body).toMatchObject({ defaultModel: { provider: 'scripted', model: 'scripted-1' }, noExternalModels: true });
    await screenshot(page, 'composer-04-tenant-settings');
  });

  it('inserts a tool reference in the composer and streams the answer into the page', async () => {
    await page.goto('/');
    await page.locator('.app-header').waitFor();
    // From the palette, like a keyboard user.
    await page.keyboard.press('Control+k');
    await page.keyboard.type('Composer');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Composer', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/composer');
    await page.locator('#composer-editor-prompt[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.locator('#composer-editor-prompt .view-lines').click();
    await page.keyboard.type('Show me a table from ');
    await page.locator('#composer-tool').selectOption('echo_table');
    await page.getByRole('button', { name: 'Insert a Tool reference' }).click();
    const draft = () => page.evaluate(() => Object.entries(localStorage).find(([key]) => key.startsWith('penny.composer.') && key.endsWith('.prompt'))?.[1] ?? '');
    await expect.poll(draft).toBe('Show me a table from @tool:echo_table');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const answer = page.getByTestId('composer-answer');
    await expect.poll(() => answer.textContent(), { timeout: 60_000 }).toContain('The table has 2 rows.');
    await page.getByText('Done', { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/composer');
    expect(await page.getByRole('link', { name: 'Open the conversation' }).getAttribute('href')).toMatch(/^\/chat\/[0-9a-f-]{36}$/);
    await screenshot(page, 'composer-05-prompt-answer');

    // Python: no tool runs Python here, and the page says so.
    await page.getByRole('tab', { name: 'Python' }).click();
    await page.getByText('Install a Python job tool to run this.').waitFor();
    expect(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
    await screenshot(page, 'composer-06-python');
  });

  it('reports an error thrown in the page to the kernel collector', async () => {
    const count = async () => {
      const text = await (await fetch(`${k.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('penny_frontend_exceptions_total '));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    await expect.poll(() => page.evaluate(() => 'faro' in window), { timeout: 30_000 }).toBe(true);
    const before = await count();
    await page.evaluate(() => setTimeout(() => {
      throw new Error('thrown in the composer page');
    }, 0));
    await expect.poll(count, { timeout: 30_000 }).toBeGreaterThan(before);
  });
});
