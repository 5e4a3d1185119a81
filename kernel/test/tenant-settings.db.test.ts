// Tenant and workspace settings over HTTP: a round trip that keeps other features' members,
// merge-patch semantics, validation that names the field, admin-only changes, the theme for every
// member, system prompts resolved from what was set, and GET /v1/models under the model policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SystemPrompts } from '../src/chat/system-prompts.ts';
import { ModelRouter, NO_PROVIDER_HELP } from '../src/chat/model-router.ts';
import { Database } from '../src/database/database.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';
import { installDirectly } from './extension-fixtures.ts';

const SCRIPTED = path.join(import.meta.dirname, 'fixtures/scripted-llm');
// 1×1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const svg = (body: string) => `data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg">${body}</svg>`).toString('base64')}`;

/** The scripted provider again, declared external: an OpenAI-like provider without the network. */
async function externalFixture(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'penny-remote-llm-'));
  const manifest = JSON.parse(await fs.readFile(path.join(SCRIPTED, 'manifest.json'), 'utf8'));
  manifest.name = 'remote-llm';
  manifest.contributes.modelProviders = [
    { id: 'remote', displayName: 'Remote model', local: false, models: [{ id: 'remote-1', displayName: 'Remote 1', contextWindow: 128000, capabilities: { tools: false, streaming: true, embeddings: false } }] },
  ];
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  await fs.copyFile(path.join(SCRIPTED, 'extension.ts'), path.join(dir, 'extension.ts'));
  return dir;
}

describe('tenant settings', () => {
  let k: TestKernel;
  let admin: Api;
  let viewer: Api;
  let tenantId: string;
  let remoteDir: string;

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false } });
    const root = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await root.post('/v1/tenants', { slug: 'brand', name: 'Brand Co' });
    tenantId = tenant.body.id;
    admin = new Api(k.url, root.token, 'brand');
    const invite = await admin.post('/v1/invitations', { email: 'viewer@brand.test', role: 'viewer' });
    await new Api(k.url).post('/v1/invitations/accept', { token: invite.body.token, password: 'a-long-viewer-password' });
    viewer = await new Api(k.url).signIn('viewer@brand.test', 'a-long-viewer-password', 'brand');
    remoteDir = await externalFixture();
    await installDirectly(k.kernel, tenantId, SCRIPTED);
    await installDirectly(k.kernel, tenantId, remoteDir);
    // A member another feature owns, which these settings must leave alone.
    await k.kernel.container.get<Database>(Database).query(`UPDATE tenant SET settings = settings || '{"policy": {"network": ["api.example.com"]}}'::jsonb WHERE id = ?`, [tenantId]);
  });
  afterAll(async () => {
    await k?.stop();
    if (remoteDir) await fs.rm(remoteDir, { recursive: true, force: true });
  });

  it('starts with defaults and round-trips every setting, keeping other members', async () => {
    const initial = await admin.get('/v1/tenant/settings');
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ defaultModel: null, noExternalModels: false, language: 'en', systemPrompts: {}, theme: {}, allowPublicShares: true, toolRoles: {} });

    const wanted = {
      defaultModel: { provider: 'remote', model: 'remote-1' },
      language: 'es',
      systemPrompts: { en: 'You work for {{tenant}}.', es: 'Trabajas para {{tenant}} el {{date}}.' },
      theme: {
        appName: 'Brand Desk',
        logoUrl: `data:image/png;base64,${PNG}`,
        colors: { primary: '#112233', accent: '#AABBCC', background: '#ffffff', surface: '#f0f0f0', text: '#000000' },
        fontStack: `"Inter", 'Helvetica Neue', sans-serif`,
      },
      allowPublicShares: false,
      toolRoles: { send_report: 'manager' },
    };
    const patched = await admin.patch('/v1/tenant/settings', wanted);
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...wanted, noExternalModels: false });
    expect((await admin.get('/v1/tenant/settings')).body).toEqual(patched.body);

    const [row] = await k.kernel.container.get<Database>(Database).query<{ settings: Record<string, unknown> }>(`SELECT settings FROM tenant WHERE id = ?`, [tenantId]);
    expect(row!.settings.policy).toEqual({ network: ['api.example.com'] });

    const audit = await admin.get('/v1/audit?action=tenant.settingsChanged');
    expect(audit.body.items[0]).toMatchObject({ action: 'tenant.settingsChanged', outcome: 'success' });
  });

  it('merges nested members and removes those set to null', async () => {
    const res = await admin.patch('/v1/tenant/settings', { theme: { colors: { accent: null }, appName: null }, systemPrompts: { es: null }, allowPublicShares: true });
    expect(res.status).toBe(200);
    expect(res.body.theme.colors).toEqual({ primary: '#112233', background: '#ffffff', surface: '#f0f0f0', text: '#000000' });
    expect(res.body.theme.appName).toBeUndefined();
    expect(res.body.theme.logoUrl).toMatch(/^data:image\/png/);
    expect(res.body.systemPrompts).toEqual({ en: 'You work for {{tenant}}.' });
    expect(res.body.language).toBe('es');
    const https = await admin.patch('/v1/tenant/settings', { theme: { logoUrl: 'https://cdn.brand.test/logo.svg' } });
    expect(https.body.theme.logoUrl).toBe('https://cdn.brand.test/logo.svg');
  });

  it('names the field of every invalid value', async () => {
    const cases: [unknown, string, number?][] = [
      [{ theme: { colors: { primary: 'red' } } }, 'body.theme.colors.primary'],
      [{ theme: { appName: 'x'.repeat(61) } }, 'body.theme.appName'],
      [{ theme: { logoUrl: 'http://brand.test/logo.png' } }, 'body.theme.logoUrl'],
      [{ theme: { logoUrl: 'javascript:alert(1)' } }, 'body.theme.logoUrl'],
      [{ theme: { logoUrl: 'https://user:pw@brand.test/logo.png' } }, 'body.theme.logoUrl'],
      [{ theme: { logoUrl: svg('<script>alert(1)</script>') } }, 'body.theme.logoUrl'],
      [{ theme: { logoUrl: svg('<rect onload="alert(1)"/>') } }, 'body.theme.logoUrl'],
      [{ theme: { logoUrl: `data:image/png;base64,${Buffer.from('not a png').toString('base64')}` } }, 'body.theme.logoUrl'],
      [{ theme: { logoUrl: `data:image/png;base64,${Buffer.concat([Buffer.from(PNG, 'base64'), Buffer.alloc(101 * 1024)]).toString('base64')}` } }, 'body.theme.logoUrl'],
      [{ theme: { logoUrl: 'data:text/html;base64,PGgxPmhpPC9oMT4=' } }, 'body.theme.logoUrl'],
      [{ theme: { fontStack: 'Arial; } body { color: red' } }, 'body.theme.fontStack'],
      [{ theme: { fontStack: `"Inter, sans-serif` } }, 'body.theme.fontStack'],
      [{ systemPrompts: { en: 'x'.repeat(8001) } }, 'body.systemPrompts.en'],
      [{ language: 'fr' }, 'body.language'],
      [{ noExternalModels: 'yes' }, 'body.noExternalModels'],
      [{ colour: 'blue' }, 'body.colour'],
      [{ defaultModel: { provider: 'nobody', model: 'nothing' } }, 'body.defaultModel', 422],
    ];
    for (const [body, field, status = 400] of cases) {
      const res = await admin.patch('/v1/tenant/settings', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path), JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    expect((await admin.patch('/v1/tenant/settings', {})).status).toBe(400);
    const unknown = await admin.patch('/v1/tenant/settings', { defaultModel: { provider: 'nobody', model: 'nothing' } });
    expect(unknown.body.detail).toMatch(/available: .*scripted\/scripted-1/);
  });

  it('lets only admins change settings, and every member read the theme', async () => {
    const refused = await viewer.patch('/v1/tenant/settings', { language: 'en' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/tenant\.update/);
    const theme = await viewer.get('/v1/tenant/theme');
    expect(theme.status).toBe(200);
    expect(theme.body).toMatchObject({ logoUrl: 'https://cdn.brand.test/logo.svg', colors: { primary: '#112233' }, language: 'es' });
    expect((await new Api(k.url).get('/v1/tenant/theme')).status).toBe(401);
  });

  it('lists the models the tenant can use, honouring noExternalModels', async () => {
    const all = await viewer.get('/v1/models');
    expect(all.status).toBe(200);
    expect(all.body.configured).toBe(true);
    expect(all.body.models).toEqual(
      expect.arrayContaining([
        { extensionId: 'test.scripted-llm', provider: 'scripted', providerName: 'Scripted model', model: 'scripted-1', modelName: 'Scripted 1', local: true, contextWindow: 8192, supportsTools: true, default: false },
        { extensionId: 'test.remote-llm', provider: 'remote', providerName: 'Remote model', model: 'remote-1', modelName: 'Remote 1', local: false, contextWindow: 128000, supportsTools: false, default: true },
      ]),
    );
    expect(all.body.models).toHaveLength(2);

    expect((await admin.patch('/v1/tenant/settings', { noExternalModels: true })).status).toBe(200);
    const local = await viewer.get('/v1/models');
    expect(local.body.models.map((m: { model: string; default: boolean }) => [m.model, m.default])).toEqual([['scripted-1', true]]);
    const external = await admin.patch('/v1/tenant/settings', { defaultModel: { provider: 'remote', model: 'remote-1' } });
    expect(external.status).toBe(422);
    expect(external.body.errors[0]).toMatchObject({ path: 'body.defaultModel', message: expect.stringMatching(/external/) });
    expect((await admin.patch('/v1/tenant/settings', { noExternalModels: false, defaultModel: null })).body.defaultModel).toBeNull();
  });

  it('says how to configure a provider when there is none, or none allowed', async () => {
    const root = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const bare = await root.post('/v1/tenants', { slug: 'bare-models', name: 'Bare' });
    const api = new Api(k.url, root.token, 'bare-models');
    expect((await api.get('/v1/models')).body).toEqual({ configured: false, help: NO_PROVIDER_HELP, models: [] });
    await installDirectly(k.kernel, bare.body.id, remoteDir);
    // Installing through the marketplace announces itself on the bus; installing directly does not.
    k.kernel.container.get(ModelRouter).invalidate(bare.body.id);
    expect((await api.get('/v1/models')).body.models).toHaveLength(1);
    await api.patch('/v1/tenant/settings', { noExternalModels: true });
    const none = await api.get('/v1/models');
    expect(none.body).toMatchObject({ configured: false, models: [], help: expect.stringMatching(/only local models/) });
  });

  it('keeps workspace prompts and default model, and resolves the system prompt from both', async () => {
    const [ws] = (await admin.get('/v1/workspaces')).body;
    const refused = await viewer.patch(`/v1/workspaces/${ws.id}`, { systemPrompts: { en: 'x' } });
    expect(refused.status).toBe(403);
    const bad = await admin.patch(`/v1/workspaces/${ws.id}`, { defaultModel: { provider: 'remote', model: 'remote-2' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('body.defaultModel');

    const prompts = k.kernel.container.get(SystemPrompts);
    const now = new Date('2026-03-04T10:00:00Z');
    const before = await prompts.resolve({ tenantId, workspaceId: ws.id, language: 'en', user: 'Ada', now });
    expect(before.text).toBe('You work for Brand Co.');

    const patched = await admin.patch(`/v1/workspaces/${ws.id}`, {
      description: 'Everyone',
      systemPrompts: { en: 'In {{workspace}}, help {{user}} on {{date}}; keep {{unknown}}.', es: 'En {{workspace}}.' },
      defaultModel: { provider: 'scripted', model: 'scripted-1' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: ws.id, name: 'General', description: 'Everyone', settings: { defaultModel: { provider: 'scripted', model: 'scripted-1' } } });
    expect((await viewer.get(`/v1/workspaces/${ws.id}/settings`)).body.systemPrompts.es).toBe('En {{workspace}}.');

    // The change is seen at once (the cache was dropped), composed tenant first.
    const after = await prompts.resolve({ tenantId, workspaceId: ws.id, language: 'en', user: 'Ada', now });
    expect(after.text).toBe('You work for Brand Co.\n\nIn General, help Ada on 2026-03-04; keep {{unknown}}.');
    // Spanish: the tenant has no Spanish template, so its English one is used, then the workspace's Spanish one.
    const es = await prompts.resolve({ tenantId, workspaceId: ws.id, user: 'Ada', now });
    expect(es).toEqual({ language: 'es', text: 'You work for Brand Co.\n\nEn General.' });

    const defaultHere = await viewer.get(`/v1/models?workspaceId=${ws.id}`);
    expect(defaultHere.body.models.find((m: { default: boolean }) => m.default).model).toBe('scripted-1');
    expect((await viewer.get('/v1/models?workspaceId=nope')).status).toBe(400);

    const elsewhere = await admin.patch('/v1/workspaces/00000000-0000-4000-8000-000000000000', { name: 'X' });
    expect(elsewhere.status).toBe(404);
    const audit = await admin.get('/v1/audit?action=workspace.updated');
    expect(audit.body.items).toHaveLength(1);
  });
});
