// Preferences over HTTP against the real database: a user's values round-trip, are validated and
// size-capped, and stay invisible to another user of the same tenant and to the same user in
// another tenant (row-level security as well as the service's own filter).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from '../../test/harness.ts';
import { Database } from '../database/database.service.ts';

const LAYOUT = {
  widgets: [
    { widget: 'burn', x: 0, y: 0, w: 6, h: 4 },
    { widget: 'headcount', x: 6, y: 0, w: 6, h: 4 },
  ],
};

describe('user preferences', () => {
  let k: TestKernel;
  let admin: Api;
  let adminInB: Api;
  let viewer: Api;
  let tenantA = '';
  let tenantB = '';

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false } });
    const platform = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    tenantA = (await platform.post('/v1/tenants', { slug: 'pref-a', name: 'A' })).body.id;
    tenantB = (await platform.post('/v1/tenants', { slug: 'pref-b', name: 'B' })).body.id;
    admin = new Api(k.url, platform.token, 'pref-a');
    adminInB = new Api(k.url, platform.token, 'pref-b');
    const invitation = await admin.post('/v1/invitations', { email: 'viewer@pref.test', role: 'viewer' });
    expect(
      (await new Api(k.url).post('/v1/invitations/accept', { token: invitation.body.token, password: 'viewer password 123' })).status,
    ).toBe(201);
    viewer = await new Api(k.url).signIn('viewer@pref.test', 'viewer password 123', 'pref-a');
  });
  afterAll(async () => k?.stop());

  it('saves, reads, lists, replaces and deletes a value', async () => {
    expect((await admin.get('/v1/me/preferences/dashboard.layout.company-health')).status).toBe(404);
    const saved = await admin.request('PUT', '/v1/me/preferences/dashboard.layout.company-health', { value: LAYOUT });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ key: 'dashboard.layout.company-health', value: LAYOUT });
    expect((await admin.get('/v1/me/preferences/dashboard.layout.company-health')).body.value).toEqual(LAYOUT);
    const next = { widgets: [{ widget: 'burn', x: 6, y: 4, w: 6, h: 4 }] };
    await admin.request('PUT', '/v1/me/preferences/dashboard.layout.company-health', { value: next });
    expect((await admin.get('/v1/me/preferences/dashboard.layout.company-health')).body.value).toEqual(next);
    await admin.request('PUT', '/v1/me/preferences/panel.width', { value: 420 });
    expect((await admin.get('/v1/me/preferences')).body.map((p: { key: string }) => p.key)).toEqual([
      'dashboard.layout.company-health',
      'panel.width',
    ]);
    expect((await admin.delete('/v1/me/preferences/panel.width')).status).toBe(204);
    expect((await admin.get('/v1/me/preferences/panel.width')).status).toBe(404);
  });

  it('refuses bad keys, malformed layouts and oversized values with problem details', async () => {
    const badKey = await admin.request('PUT', '/v1/me/preferences/Bad%20Key', { value: 1 });
    expect(badKey.status).toBe(400);
    expect(badKey.headers.get('content-type')).toContain('application/problem+json');
    const badLayout = await admin.request('PUT', '/v1/me/preferences/dashboard.layout.x', {
      value: { widgets: [{ widget: 'burn', x: 14, y: 0, w: 6, h: 4 }] },
    });
    expect(badLayout.status).toBe(400);
    expect(badLayout.body.errors[0].path).toBe('body.value.widgets.0.x');
    const missing = await admin.request('PUT', '/v1/me/preferences/panel.width', {});
    expect(missing.status).toBe(400);
    const huge = await admin.request('PUT', '/v1/me/preferences/notes', { value: 'x'.repeat(40_000) });
    expect(huge.status).toBe(400);
    expect(huge.body.detail).toMatch(/at most 32768/);
  });

  it('keeps each user’s values to that user and tenant', async () => {
    await admin.request('PUT', '/v1/me/preferences/dashboard.layout.company-health', { value: LAYOUT });
    // Another member of the same tenant sees only their own.
    expect((await viewer.get('/v1/me/preferences/dashboard.layout.company-health')).status).toBe(404);
    expect((await viewer.get('/v1/me/preferences')).body).toEqual([]);
    await viewer.request('PUT', '/v1/me/preferences/dashboard.layout.company-health', { value: { widgets: [] } });
    expect((await admin.get('/v1/me/preferences/dashboard.layout.company-health')).body.value).toEqual(LAYOUT);
    // The same user in another tenant starts empty, and a delete there leaves tenant A alone.
    expect((await adminInB.get('/v1/me/preferences/dashboard.layout.company-health')).status).toBe(404);
    expect((await adminInB.delete('/v1/me/preferences/dashboard.layout.company-health')).status).toBe(204);
    expect((await admin.get('/v1/me/preferences/dashboard.layout.company-health')).status).toBe(200);
    // Row-level security: a transaction for tenant B sees none of tenant A's rows, even unfiltered.
    const db = k.kernel.container.get<Database>(Database);
    expect(await db.tenant(tenantB, (em) => em.execute(`SELECT * FROM user_preference`))).toEqual([]);
    expect((await db.tenant(tenantA, (em) => em.execute(`SELECT * FROM user_preference`))).length).toBe(2);
  });

  it('needs a signed-in member of the tenant', async () => {
    expect((await new Api(k.url).get('/v1/me/preferences/panel.width')).status).toBe(401);
    const stranger = new Api(k.url, viewer.token, 'pref-b');
    expect((await stranger.get('/v1/me/preferences/panel.width')).status).toBe(403);
  });
});
