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
    k = await startTestKernel({ config: { demoTenant: false, extensions: { wallMsPerCall: 10_000, maxConcurrentToolCalls: 1 } as never } });
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
    type Response = Awaited<ReturnType<Api['post']>>;
    let hanging: { done: Response | null; response: Promise<Response> } | null = null;
    const startHanging = () => {
      const entry = { done: null as Response | null, response: admin.post('/v1/tools/hang/invoke', { arguments: {} }) };
      void entry.response.then((r) => (entry.done = r));
      return entry;
    };
    hanging = startHanging();
    // The limit is one call: ask until the hanging call holds the place (it hangs until the 10 s
    // wall limit). If a quick call took the place first, the hanging one was refused: start it again.
    let second = await admin.post('/v1/tools/ok/invoke', { arguments: {} });
    for (let i = 0; i < 100 && second.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (hanging.done?.status === 429) hanging = startHanging();
      expect(hanging.done, 'the hanging call was still running').toBeNull();
      second = await admin.post('/v1/tools/ok/invoke', { arguments: {} });
    }
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.body.detail).toMatch(/limit is 1/);
    expect((await hanging.response).status).toBe(504);
    // Once it ended, calls run again.
    expect((await admin.post('/v1/tools/ok/invoke', { arguments: {} })).status).toBe(200);
  });
});
