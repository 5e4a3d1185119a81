// A tenant admin's life with one extension: permission review on install, updates that ask for
// more (refused until accepted), downgrades only by explicit rollback, the tenant policy, trust
// withdrawn, enable/disable and uninstall; all audited, announced, and invisible to other tenants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyPair } from '@penny/marketplace';
import { EventBus } from '../src/bus/event-bus.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, type TestKernel } from './harness.ts';
import { accept, auditEvents, newKey, registerKey, signedBundle, startMarketplaceKernel, upload } from './marketplace.fixtures.ts';

const ID = 'acme.kpi-tool';
const base = { network: ['api.acme.test'], secrets: [], datasources: [] };
const more = { network: ['api.acme.test', 'api2.acme.test'], secrets: ['API_TOKEN'], datasources: [] };

describe('installing, updating and removing an extension', () => {
  let k: TestKernel;
  let admin: Api;
  let acme: KeyPair;
  const events: string[] = [];

  const installed = async () => (await admin.get(`/v1/extensions/${ID}`)).body;

  beforeAll(async () => {
    k = await startMarketplaceKernel();
    k.kernel.container.get<EventBus>(EventBus).on('extension.installed', () => void events.push('installed'));
    k.kernel.container.get<EventBus>(EventBus).on('extension.updated', (p) => void events.push(`updated ${p.from}->${p.to}`));
    k.kernel.container.get<EventBus>(EventBus).on('extension.disabled', () => void events.push('disabled'));
    k.kernel.container.get<EventBus>(EventBus).on('extension.enabled', () => void events.push('enabled'));
    k.kernel.container.get<EventBus>(EventBus).on('extension.uninstalled', () => void events.push('uninstalled'));
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    acme = newKey('acme');
    expect((await registerKey(admin, 'acme', acme)).status).toBe(201);
    for (const [version, permissions] of [['1.0.0', base], ['1.1.0', base], ['1.2.0', more], ['0.9.0', base]] as const) {
      expect((await upload(admin, signedBundle(acme, { version, permissions: { ...permissions } }))).status).toBe(201);
    }
    expect((await admin.post('/v1/tenants', { slug: 'other', name: 'Other Inc' })).status).toBe(201);
    expect((await admin.post('/v1/marketplace/trusted-keys', { keyId: acme.keyId })).status).toBe(201);
  });
  afterAll(async () => k?.stop());

  it('lists and searches the catalog with permissions, contributions and trust', async () => {
    const all = await admin.get('/v1/marketplace/extensions?q=KPI');
    expect(all.body).toEqual([
      expect.objectContaining({
        extensionId: ID,
        version: '1.2.0',
        versions: ['1.2.0', '1.1.0', '1.0.0', '0.9.0'],
        publisher: 'acme',
        description: 'Reports company KPIs.',
        trusted: true,
        installedVersion: null,
        permissions: { ...more, sidecars: [] },
        contributions: expect.objectContaining({ tools: [{ id: 'get_kpis', title: 'Company KPIs' }] }),
      }),
    ]);
    expect((await admin.get('/v1/marketplace/extensions?q=nothing-like-it')).body).toEqual([]);
    const other = await new Api(k.url, admin.token, 'other').get('/v1/marketplace/extensions');
    expect(other.body[0]).toMatchObject({ extensionId: ID, trusted: false });
    const versions = await admin.get(`/v1/marketplace/extensions/${ID}/versions`);
    expect(versions.body.map((v: { version: string }) => v.version)).toEqual(['1.2.0', '1.1.0', '1.0.0', '0.9.0']);
  });

  it('requires exactly the declared permissions to be accepted on install', async () => {
    const none = await admin.post('/v1/extensions/install', { extensionId: ID, version: '1.0.0' });
    expect(none.status).toBe(409);
    expect(none.body).toMatchObject({ code: 'permissions_not_accepted', required: { network: ['api.acme.test'], secrets: [], datasources: [], sidecars: [] } });
    expect(none.body.detail).toContain('network: api.acme.test');
    const wrong = await admin.post('/v1/extensions/install', { extensionId: ID, version: '1.0.0', acceptPermissions: accept({ network: ['api.other.test'] }) });
    expect(wrong.status).toBe(409);
    expect(await auditEvents(admin, 'extension.installRefused')).toHaveLength(2);

    const res = await admin.post('/v1/extensions/install', { extensionId: ID, version: '1.0.0', acceptPermissions: accept({ network: ['API.acme.test'] }) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ extensionId: ID, version: '1.0.0', status: 'enabled', latestVersion: '1.2.0', updateAvailable: true, updateRequiresAcceptance: true });
    expect((await admin.post('/v1/extensions/install', { extensionId: ID, acceptPermissions: accept(more) })).status).toBe(409);
  });

  it('shows the installation to this tenant only', async () => {
    expect((await admin.get('/v1/extensions')).body.map((e: { extensionId: string }) => e.extensionId)).toEqual([ID]);
    const other = await new Api(k.url, admin.token, 'other').get('/v1/extensions');
    expect(other).toMatchObject({ status: 200, body: [] });
    const viewer = new Api(k.url, (await admin.post('/v1/tokens', { name: 'viewer', roles: ['viewer'] })).body.token);
    expect((await viewer.get('/v1/extensions')).status).toBe(200);
    expect((await viewer.delete(`/v1/extensions/${ID}`)).status).toBe(403);
  });

  it('updates without a new acceptance when nothing is added', async () => {
    const res = await admin.post(`/v1/extensions/${ID}/update`, { version: '1.1.0' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: '1.1.0', permissions: { network: ['api.acme.test'] } });
  });

  it('keeps the old version until more permissions are accepted', async () => {
    const refused = await admin.post(`/v1/extensions/${ID}/update`, {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'permissions_not_accepted', version: '1.2.0', added: { network: ['api2.acme.test'], secrets: ['API_TOKEN'] } });
    expect(refused.body.detail).toContain('stays on 1.1.0');
    expect((await installed()).version).toBe('1.1.0');
    expect(await auditEvents(admin, 'extension.updateRefused')).toHaveLength(1);

    const accepted = await admin.post(`/v1/extensions/${ID}/update`, { acceptPermissions: accept(more) });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ version: '1.2.0', updateAvailable: false, permissions: { secrets: ['API_TOKEN'] } });
  });

  it('goes down in version only by an explicit rollback', async () => {
    const down = await admin.post(`/v1/extensions/${ID}/update`, { version: '1.0.0' });
    expect(down.status).toBe(409);
    expect(down.body).toMatchObject({ reason: 'downgrade' });
    expect(down.body.detail).toContain('/rollback');
    expect((await installed()).version).toBe('1.2.0');

    const back = await admin.post(`/v1/extensions/${ID}/rollback`, { version: '1.0.0' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ version: '1.0.0', permissions: { network: ['api.acme.test'], secrets: [] } });
    expect((await admin.post(`/v1/extensions/${ID}/rollback`, { version: '1.1.0' })).status).toBe(409);
    expect(await auditEvents(admin, 'extension.rolledBack')).toHaveLength(1);
  });

  it('refuses what the tenant policy does not allow, with the reason', async () => {
    const put = await admin.request('PUT', '/v1/marketplace/policy', { network: { allow: ['*.acme.test'] }, secrets: false });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ policy: { network: { allow: ['*.acme.test'] }, secrets: false }, disabled: [] });
    expect((await admin.get('/v1/marketplace/policy')).body).toEqual({ network: { allow: ['*.acme.test'] }, secrets: false });

    const refused = await admin.post(`/v1/extensions/${ID}/update`, { version: '1.2.0', acceptPermissions: accept(more) });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('policy_violation');
    expect(refused.body.detail).toContain('allows no secrets');
    expect((await installed()).version).toBe('1.0.0');
    expect((await auditEvents(admin, 'extension.updateRefused'))[0]).toMatchObject({ outcome: 'denied' });
  });

  it('disables what a stricter policy no longer allows, and enables it only once allowed again', async () => {
    const put = await admin.request('PUT', '/v1/marketplace/policy', { network: { allow: ['api.openai.com'] } });
    expect(put.body.disabled).toEqual([{ extensionId: ID, reason: expect.stringContaining('api.acme.test') }]);
    expect(await installed()).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('network access to api.acme.test') });
    expect((await admin.post(`/v1/extensions/${ID}/enable`)).status).toBe(422);
    expect(await auditEvents(admin, 'extension.enableRefused')).toHaveLength(1);

    await admin.request('PUT', '/v1/marketplace/policy', {});
    expect((await admin.post(`/v1/extensions/${ID}/enable`)).body).toMatchObject({ status: 'enabled', disabledReason: null });
  });

  it('disables and enables on request', async () => {
    expect((await admin.post(`/v1/extensions/${ID}/disable`, { reason: 'quarterly review' })).body).toMatchObject({ status: 'disabled', disabledReason: 'quarterly review' });
    expect((await admin.post(`/v1/extensions/${ID}/enable`)).body.status).toBe('enabled');
  });

  it('disables extensions signed by a key the tenant stops trusting', async () => {
    const removed = await admin.delete(`/v1/marketplace/trusted-keys/${acme.keyId}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ disabled: [ID] });
    expect(await installed()).toMatchObject({ status: 'disabled', trusted: false });
    const enable = await admin.post(`/v1/extensions/${ID}/enable`);
    expect(enable.body).toMatchObject({ reason: 'untrusted_key' });
    expect((await admin.post('/v1/marketplace/trusted-keys', { keyId: acme.keyId })).status).toBe(201);
    expect((await admin.post(`/v1/extensions/${ID}/enable`)).body.status).toBe('enabled');
  });

  it('uninstalls, audits every step and keeps the audit chain intact', async () => {
    expect((await admin.delete(`/v1/extensions/${ID}`)).status).toBe(204);
    expect((await admin.get('/v1/extensions')).body).toEqual([]);
    expect((await admin.delete(`/v1/extensions/${ID}`)).status).toBe(404);
    expect(await auditEvents(admin, 'extension.uninstallRefused')).toHaveLength(1);

    const actions = (await admin.get('/v1/audit?action=extension&limit=100')).body.items.map((e: { action: string }) => e.action).reverse();
    expect(actions.filter((a: string) => !a.endsWith('Refused'))).toEqual([
      'extension.installed',
      'extension.updated',
      'extension.updated',
      'extension.rolledBack',
      'extension.policyChanged',
      'extension.policyChanged',
      'extension.disabled',
      'extension.policyChanged',
      'extension.enabled',
      'extension.disabled',
      'extension.enabled',
      'extension.disabled',
      'extension.enabled',
      'extension.uninstalled',
    ]);
    expect((await admin.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
    // Bus delivery is asynchronous, but everything above was awaited long before this point.
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([
      'installed',
      'updated 1.0.0->1.1.0',
      'updated 1.1.0->1.2.0',
      'updated 1.2.0->1.0.0',
      'disabled',
      'enabled',
      'disabled',
      'enabled',
      'disabled',
      'enabled',
      'uninstalled',
    ]);
  });
});
