// Chat in real Chromium against a real kernel (embedded database, real isolates, the socket): ask
// about KPIs, watch the tool step finish and the chart render inline, open it full screen; reload in
// the middle of an answer and see it complete exactly once; edit a question and move between
// branches, compare them; Spanish; rename and delete a conversation.
process.env.PENNY_TEST_DB ??= 'pglite';

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from '../../kernel/test/harness.ts';
import { installDirectly } from '../../kernel/test/extension-fixtures.ts';
import { RealtimeGateway } from '../../kernel/src/realtime/realtime.gateway.ts';
import { ensureBuilt, freePort, launchChromium, openPage, repoRoot, screenshot, type WatchedPage } from './browser-harness.ts';

const CHAT_LLM = path.join(import.meta.dirname, 'fixtures/chat-llm');
const REPORT_TOOL = path.join(import.meta.dirname, 'fixtures/report-tool');
const COMPANY_KPIS = path.join(repoRoot, 'extensions/company-kpis');
const SLOW_ANSWER = `Slow answer: ${Array.from({ length: 48 }, (_, i) => `word${i + 1}`).join(' ')} done.`;
const UUID_PATH = /^\/chat\/[0-9a-f-]{36}$/;

describe('chat in the workbench', { timeout: 120_000 }, () => {
  let k: TestKernel;
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;
  let api: Api;

  const conversationIdOf = () => new URL(page.url()).pathname.split('/').at(-1)!;
  const composer = () => page.getByRole('textbox', { name: 'Your question' });
  async function ask(question: string): Promise<void> {
    await composer().fill(question);
    await composer().press('Enter');
  }

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
    k = await startTestKernel({ config: { port, publicUrl: `http://127.0.0.1:${port}`, rateLimit: generous } });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const demo = ((await admin.get('/v1/tenants')).body as { id: string; slug: string }[]).find((t) => t.slug === 'demo')!;
    api = new Api(k.url, admin.token, 'demo');
    // A second tenant without any model provider, for the "nothing configured" message.
    expect((await admin.post('/v1/tenants', { slug: 'bare', name: 'Bare Tenant' })).status).toBe(201);
    // The demo tenant has the built-in company-kpis extension; a scripted local model answers.
    await installDirectly(k.kernel, demo.id, CHAT_LLM);
    await installDirectly(k.kernel, demo.id, REPORT_TOOL);
    const tools = (await api.get('/v1/tools')).body as { name: string }[];
    if (!tools.some((t) => t.name === 'get_company_kpis')) await installDirectly(k.kernel, demo.id, COMPANY_KPIS);
    if (!tools.some((t) => t.name === 'load_dashboard')) await installDirectly(k.kernel, demo.id, path.join(repoRoot, 'extensions/dashboards'));
    browser = await launchChromium();
    watched = await openPage(browser, k.url);
    page = watched.page;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('asks, runs the KPI tool as a step, renders the chart inline and opens it full screen', async () => {
    await page.goto('/chat');
    await page.locator('#signin-email').waitFor();
    await page.fill('#signin-email', ADMIN_EMAIL);
    await page.fill('#signin-password', ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New chat', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/chat');
    await page.locator('#tenant-select').selectOption('demo');

    // The kernel lists the ready models; choosing one sends it with the question.
    await page.locator('#chat-model option', { hasText: 'Scripted chat 1' }).waitFor({ state: 'attached' });
    await page.locator('#chat-model').selectOption('chat-scripted/chat-scripted-1');
    await ask('How are our KPIs this quarter?');
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 30_000 }).toMatch(UUID_PATH);
    const step = page.getByRole('article', { name: 'Tool call get_company_kpis' });
    await step.getByText('Succeeded').waitFor({ timeout: 60_000 });
    await page.getByText(/^Here are the KPIs\. QTD/).waitFor({ timeout: 30_000 });
    await step.locator('.step-toggle').click();
    expect(await step.getByText('"period": "QTD"').isVisible()).toBe(true);

    const table = page.locator('.chat-artifact[data-mime="application/vnd.penny.table+json"]');
    await table.getByRole('table').waitFor({ timeout: 30_000 });
    const chart = page.locator('.chat-artifact[data-mime="application/vnd.vegalite.v5+json"]');
    await chart.locator('.artifact-view').waitFor();
    // Drawn by whichever renderer the registry has for Vega-Lite; without one, the data is shown.
    if ((await chart.locator('.artifact-view').getAttribute('data-renderer')) !== 'penny.json')
      await chart.locator('svg, canvas').first().waitFor({ timeout: 30_000 });
    else await chart.getByText('vega.github.io/schema/vega-lite').first().waitFor();
    await screenshot(page, 'chat-01-tool-step-and-chart');

    // Quick actions: a tenant share link, pin, versions, the panel.
    await chart.getByRole('button', { name: 'Copy share link' }).click();
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toMatch(/^http:\/\/127\.0\.0\.1:\d+\/artifacts\/[0-9a-f-]{36}\?version=1$/);
    const shareLink = await page.evaluate(() => navigator.clipboard.readText());
    const pin = chart.getByRole('button', { name: 'Pin to the top of the panel' });
    await pin.click();
    expect(await pin.getAttribute('aria-pressed')).toBe('true');
    await chart.getByRole('button', { name: 'Versions' }).click();
    await chart.getByRole('button', { name: /^Version 1/ }).click();
    const panel = page.getByRole('complementary', { name: 'Artifacts' });
    await panel.getByRole('heading', { name: /Revenue vs budget/, level: 3 }).waitFor();

    await chart.getByRole('button', { name: 'Full screen' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.locator('.artifact-view.mode-fullscreen').count()).toBe(1);
    await screenshot(page, 'chat-02-chart-full-screen');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // The conversation took its title from the question and is listed in the sidebar.
    await page.getByRole('list', { name: 'Your conversations' }).getByRole('link', { name: 'How are our KPIs this quarter?' }).waitFor();
    const stored = (await api.get(`/v1/conversations/${conversationIdOf()}`)).body as { path: { role: string; content: string }[] };
    expect(stored.path.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(await page.getByText(stored.path.at(-1)!.content, { exact: true }).count()).toBe(1);

    // The tenant share link opens the chart on its own page, for members of the tenant.
    const conversationUrl = page.url();
    await page.goto(shareLink);
    await page.getByRole('heading', { name: /Revenue vs budget/, level: 1 }).waitFor();
    await page.locator('.artifact-link svg, .artifact-link canvas').first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'chat-01b-shared-artifact');

    // Then Company Health, asked for in the same conversation, opens in dashboard mode.
    await page.goto(conversationUrl);
    await ask('Show me the Company Health dashboard');
    const dashboard = page.locator('.chat-artifact .dashboard-renderer').first();
    await dashboard.waitFor({ timeout: 60_000 });
    await page.getByText('Here is the Company Health dashboard.').waitFor({ timeout: 30_000 });
    await dashboard.getByRole('button', { name: 'Open in dashboard mode' }).click();
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 30_000 }).toBe('/dashboards/company-health');
    await expect.poll(() => page.locator('.dashboard-mode .dashboard-widget').count(), { timeout: 30_000 }).toBe(4);
    await screenshot(page, 'chat-01c-company-health-dashboard-mode');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.url(), { timeout: 30_000 }).toBe(conversationUrl);
  });

  it('completes an answer exactly once after a reload in the middle of it', async () => {
    await page.getByRole('link', { name: 'New chat' }).first().click();
    await page.getByRole('heading', { name: 'New chat', level: 1 }).waitFor();
    await ask('slowly tell me a long story');
    await page.getByText(/word3\b/).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: 'Stop', exact: true }).isVisible()).toBe(true);
    const id = conversationIdOf();
    // Still being written when the page goes away.
    expect(((await api.get(`/v1/conversations/${id}`)).body as { path: { status: string }[] }).path.at(-1)!.status).toBe('streaming');

    await page.reload();
    const answer = page.locator('.chat-turn').last();
    await answer.getByText(/done\.$/).waitFor({ timeout: 60_000 });
    expect((await answer.locator('.turn-text').allTextContents()).join('').trim()).toBe(SLOW_ANSWER);
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor();
    expect(((await api.get(`/v1/conversations/${id}`)).body as { path: { content: string }[] }).path.at(-1)!.content).toBe(SLOW_ANSWER);
    await screenshot(page, 'chat-03-after-reload');
  });

  it('loses nothing and doubles nothing when the socket drops mid-answer', async () => {
    await page.getByRole('link', { name: 'New chat' }).first().click();
    await page.getByRole('heading', { name: 'New chat', level: 1 }).waitFor();
    await ask('slowly again please');
    await page.getByText(/word2\b/).waitFor({ timeout: 30_000 });
    // The server drops every connection (as a restarting instance would); the page reconnects.
    const io = (k.kernel.container.get(RealtimeGateway) as unknown as { io: { disconnectSockets(close?: boolean): void } }).io;
    io.disconnectSockets(true);
    const answer = page.locator('.chat-turn').last();
    await answer.getByText(/done\.$/).waitFor({ timeout: 60_000 });
    expect((await answer.locator('.turn-text').allTextContents()).join('').trim()).toBe(SLOW_ANSWER);
  });

  it('stops an answer being written', async () => {
    await page.getByRole('link', { name: 'New chat' }).first().click();
    await page.getByRole('heading', { name: 'New chat', level: 1 }).waitFor();
    await ask('slowly and then stop');
    await page.getByText(/word2\b/).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByText('Stopped.', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor();
    const stored = (await api.get(`/v1/conversations/${conversationIdOf()}`)).body as { path: { status: string }[] };
    expect(stored.path.at(-1)!.status).toBe('cancelled');
  });

  it('asks before running a tool that wants approval, and honours a denial', async () => {
    await page.getByRole('link', { name: 'New chat' }).first().click();
    await page.getByRole('heading', { name: 'New chat', level: 1 }).waitFor();
    await ask('please send the report');
    const first = page.getByRole('article', { name: 'Tool call send_report' }).first();
    await first.getByText('Waiting for you').waitFor({ timeout: 30_000 });
    await screenshot(page, 'chat-05-approval');
    await first.getByRole('button', { name: 'Approve' }).click();
    await first.getByText('Succeeded').waitFor({ timeout: 30_000 });
    await page.getByText('The report was sent to finance.', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('list', { name: 'Your conversations' }).getByRole('link', { name: 'please send the report' }).waitFor();
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor();

    await ask('now send the report to them again');
    const second = page.getByRole('article', { name: 'Tool call send_report' }).nth(1);
    await second.getByRole('button', { name: 'Deny' }).click({ timeout: 30_000 });
    await second.getByText('Denied').waitFor({ timeout: 30_000 });
    await page.getByText(/^I could not send the report: The user did not approve/).waitFor({ timeout: 30_000 });
  });

  it('edits a question into a new branch, switches back and compares both', async () => {
    await page.getByRole('link', { name: 'New chat' }).first().click();
    await page.getByRole('heading', { name: 'New chat', level: 1 }).waitFor();
    await ask('first question');
    await page.getByText('You said: first question', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Edit question' }).click();
    const editor = page.getByRole('textbox', { name: 'Edit the question' });
    await editor.fill('second question');
    await editor.press('Enter');
    await page.getByText('You said: second question', { exact: true }).waitFor({ timeout: 30_000 });
    const branches = page.getByRole('navigation', { name: 'Branches of this question' });
    await branches.getByText('2/2').waitFor();

    await branches.getByRole('button', { name: 'Previous branch' }).click();
    await branches.getByText('1/2').waitFor();
    await page.getByText('You said: first question', { exact: true }).waitFor();
    expect(await page.getByText('You said: second question', { exact: true }).count()).toBe(0);
    const active = (await api.get(`/v1/conversations/${conversationIdOf()}`)).body as { path: { content: string }[] };
    expect(active.path.map((m) => m.content)).toEqual(['first question', 'You said: first question']);

    await branches.getByRole('button', { name: 'Compare' }).click();
    const dialog = page.getByRole('dialog', { name: 'Compare branches' });
    await dialog.getByText('You said: second question', { exact: true }).waitFor();
    expect(await dialog.getByText('You said: first question', { exact: true }).isVisible()).toBe(true);
    await screenshot(page, 'chat-04-compare-branches');
    await dialog.getByRole('region', { name: 'Branch 2' }).getByRole('button', { name: 'Continue with this branch' }).click();
    await dialog.waitFor({ state: 'detached' });
    await branches.getByText('2/2').waitFor();
    await page.getByText('You said: second question', { exact: true }).waitFor();

    // Answering again asks the same question once more, as a third branch.
    await page.getByRole('button', { name: 'Answer again' }).click();
    await branches.getByText('3/3').waitFor({ timeout: 30_000 });
    await page.getByText('You said: second question', { exact: true }).waitFor({ timeout: 30_000 });
  });

  it('speaks Spanish in the chat page', async () => {
    await page.locator('#language-select').selectOption('es');
    await page.getByRole('textbox', { name: 'Tu pregunta' }).waitFor();
    expect(await page.getByRole('link', { name: 'Nuevo chat' }).first().isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Editar la pregunta' }).first().isVisible()).toBe(true);
    await screenshot(page, 'chat-06-spanish');
    await page.locator('#language-select').selectOption('en');
    await page.getByRole('textbox', { name: 'Your question' }).waitFor();
  });

  it('renames and deletes a conversation from the sidebar', async () => {
    const list = page.getByRole('list', { name: 'Your conversations' });
    const id = conversationIdOf();
    await list.getByRole('button', { name: 'Rename first question' }).click();
    const input = page.getByRole('textbox', { name: 'New title' });
    await input.fill('Branches demo');
    await input.press('Enter');
    await list.getByRole('link', { name: 'Branches demo' }).waitFor();
    await page.getByRole('heading', { name: 'Branches demo', level: 1 }).waitFor();
    expect(((await api.get(`/v1/conversations/${id}`)).body as { title: string }).title).toBe('Branches demo');

    await page.fill('#conversation-search', 'branches');
    await expect.poll(() => list.getByRole('link').count()).toBe(1);
    await page.fill('#conversation-search', '');
    await expect.poll(() => list.getByRole('link').count()).toBe(6);

    await list.getByRole('button', { name: 'Delete Branches demo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await list.getByRole('link', { name: 'Branches demo' }).waitFor({ state: 'detached' });
    expect((await api.get(`/v1/conversations/${id}`)).status).toBe(404);
    // The deleted conversation was open: the chat starts afresh.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/chat');
  });

  it('saves a question as a preset that starts a new chat with it, kept across reloads', async () => {
    await page.goto('/chat');
    await page.locator('#chat-model option', { hasText: 'Scripted chat 1' }).waitFor({ state: 'attached' });
    await page.locator('#chat-model').selectOption('chat-scripted/chat-scripted-1');
    await composer().fill('Weekly check: how are our KPIs this month?');
    await page.getByRole('button', { name: 'Save as preset' }).click();
    const presets = page.getByRole('list', { name: 'Presets' });
    const use = presets.getByRole('button', { name: 'Start a chat with the preset Weekly check: how are our KPIs this month?' });
    await use.waitFor();
    // Kept by the kernel: after a reload, from another page, the preset fills a new chat's composer.
    await page.goto('/tools');
    await use.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/chat');
    await expect.poll(() => composer().inputValue()).toBe('Weekly check: how are our KPIs this month?');
    expect(await page.locator('#chat-model').inputValue()).toBe('chat-scripted/chat-scripted-1');
    await screenshot(page, 'chat-08-preset');
    await presets.getByRole('button', { name: /^Delete the preset Weekly check/ }).click();
    await use.waitFor({ state: 'detached' });
    expect((await api.get('/v1/me/preferences/chat.presets')).body.value).toEqual([]);
    await composer().fill('');
  });

  it('says plainly when no model provider is ready', async () => {
    await page.locator('#tenant-select').selectOption('bare');
    await page.getByText('Now working in Bare Tenant.').waitFor();
    await page.getByRole('link', { name: 'New chat' }).first().click();
    // Said before anything is asked (GET /v1/models), and again with the kernel's answer after.
    await page.getByRole('status').filter({ hasText: 'No model provider is ready' }).waitFor();
    await ask('Anyone there?');
    const alert = page.getByRole('alert').filter({ hasText: 'No model provider is ready' });
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain('An admin can install a provider extension');
    // The question is kept for another try, and no empty conversation was left behind.
    expect(await composer().inputValue()).toBe('Anyone there?');
    expect((await new Api(k.url, api.token, 'bare').get('/v1/conversations')).body).toEqual([]);
    await screenshot(page, 'chat-07-no-provider');
    await page.locator('#tenant-select').selectOption('demo');
    expect(watched.errors).toEqual([]);
  });
});
