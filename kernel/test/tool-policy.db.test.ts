// The tool router's policy beyond tools.invoke: a tenant can keep a tool for higher roles only
// (settings.toolRoles), and a tenant runs at most so many tool calls at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';
import { installDirectly, repoRoot } from './extension-fixtures.ts';

const HOSTILE = path.join(repoRoot, 'extension-host/test/fixtures/hostile');

async function addMember(admin: Api, tenant: string, email: string, role: string): Promise<Api> {
  const scoped = new Api(admin.baseUrl, admin.token, tenant);
  const invite = await scoped.post('/v1/invitations', { email, role });
  expect(invite.status).toBe(201);
  expect((await new Api(admin.baseUrl).post('/v1/invitations/accept', { token: invite.body.token, password: 'a-long-member-password' })).status).toBe(201);
  return new Api(admin.baseUrl).signIn(email, 'a-long-member-password', tenant);
}

describe('tool policy', () => {
  let k: TestKernel;
  let admin: Api;
  let creator: Api;

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false, extensions: { wallMsPerCall: 4000, maxConcurrentToolCalls: 2 } as never } });
    const root = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await root.post('/v1/tenants', { slug: 'tools', name: 'Tools Co' });
    await installDirectly(k.kernel, tenant.body.id, HOSTILE);
    admin = new Api(k.url, root.token, 'tools');
    creator = await addMember(root, 'tools', 'maker@tools.test', 'creator');
  });
  afterAll(async () => k?.stop());

  it('keeps a tool for the roles the tenant names, in the list and on invocation', async () => {
    const names = async (api: Api) => ((await api.get('/v1/tools')).body as { name: string }[]).map((t) => t.name);
    expect(await names(creator)).toContain('ok');
    const set = await admin.patch('/v1/tenant/settings', { toolRoles: { ok: 'admin' } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.toolRoles).toEqual({ ok: 'admin' });
    expect(await names(creator)).not.toContain('ok');
    const refused = await creator.post('/v1/tools/ok/invoke', { arguments: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/role admin/);
    expect((await admin.post('/v1/tools/ok/invoke', { arguments: {} })).status).toBe(200);
    // Removing the entry gives the tool back to every member with tools.invoke.
    expect((await admin.patch('/v1/tenant/settings', { toolRoles: { ok: null } })).body.toolRoles).toEqual({});
    expect((await creator.post('/v1/tools/ok/invoke', { arguments: {} })).status).toBe(200);
    expect((await admin.patch('/v1/tenant/settings', { toolRoles: { ok: 'owner' } })).status).toBe(400);
  });

  it('refuses a tool call beyond the tenant limit of calls at once, with Retry-After', async () => {
    const hanging = [admin.post('/v1/tools/hang/invoke', { arguments: {} }), admin.post('/v1/tools/hang/invoke', { arguments: {} })];
    // Asks until both hanging calls hold their places (they hang for 4 s).
    let third = await admin.post('/v1/tools/ok/invoke', { arguments: {} });
    for (let i = 0; i < 30 && third.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      third = await admin.post('/v1/tools/ok/invoke', { arguments: {} });
    }
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.body.detail).toMatch(/limit is 2/);
    expect((await Promise.all(hanging)).map((r) => r.status)).toEqual([504, 504]);
    // Once they ended, calls run again.
    expect((await admin.post('/v1/tools/ok/invoke', { arguments: {} })).status).toBe(200);
  });
});
