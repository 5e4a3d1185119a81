// Artifact share links over HTTP: a public link opens signed-out until it expires or is revoked,
// shows that one version and nothing else, with safe headers; a tenant link opens only for members
// of that tenant; roles, tenant policy and bad input are refused with clear problems.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactShares } from '../src/artifacts/shares.service.ts';
import { Database } from '../src/database/database.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';

async function addMember(admin: Api, tenant: string, email: string, role: string): Promise<Api> {
  const scoped = new Api(admin.baseUrl, admin.token, tenant);
  const invite = await scoped.post('/v1/invitations', { email, role });
  expect(invite.status).toBe(201);
  const accepted = await new Api(admin.baseUrl).post('/v1/invitations/accept', { token: invite.body.token, password: 'a-long-member-password' });
  expect(accepted.status).toBe(201);
  return new Api(admin.baseUrl).signIn(email, 'a-long-member-password', tenant);
}

describe('artifact share links', () => {
  let k: TestKernel;
  let admin: Api;
  let viewer: Api;
  let outsider: Api;
  let anonymous: Api;
  let shares: ArtifactShares;
  let artifactId: string;

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false } });
    const root = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await root.post('/v1/tenants', { slug: 'sharer', name: 'Sharer Co' })).status).toBe(201);
    expect((await root.post('/v1/tenants', { slug: 'elsewhere', name: 'Elsewhere Ltd' })).status).toBe(201);
    admin = new Api(k.url, root.token, 'sharer');
    viewer = await addMember(root, 'sharer', 'viewer@sharer.test', 'viewer');
    outsider = await addMember(root, 'elsewhere', 'someone@elsewhere.test', 'viewer');
    anonymous = new Api(k.url);
    shares = k.kernel.container.get(ArtifactShares);

    const v1 = await admin.post('/v1/artifacts', { mimeType: 'application/json', title: 'Quarterly numbers', data: { revenue: 10 } });
    expect(v1.status).toBe(201);
    artifactId = v1.body.artifactId;
    const v2 = await admin.post('/v1/artifacts', { artifactId, mimeType: 'application/json', title: 'Quarterly numbers', data: { revenue: 20 } });
    expect(v2.body.version).toBe(2);
  });
  afterAll(async () => k?.stop());

  it('opens a public link signed-out: that version only, with safe headers, until it expires', async () => {
    const created = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public', version: 1 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: 'public', version: 1, artifactId, expired: false });
    expect(created.body.url).toMatch(/^\/v1\/shared\/penny_shr_[A-Za-z0-9_-]{43}$/);
    const hours = (Date.parse(created.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);

    const meta = await anonymous.get(created.body.url);
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({ title: 'Quarterly numbers', mimeType: 'application/json', version: 1, contentUrl: `${created.body.url}/content` });
    // Nothing of the tenant beyond that version: no ids, no lineage.
    expect(Object.keys(meta.body).sort()).toEqual(['contentUrl', 'createdAt', 'expiresAt', 'mimeType', 'sha256', 'size', 'title', 'version']);
    expect(JSON.stringify(meta.body)).not.toContain(artifactId);

    const content = await fetch(`${k.url}${meta.body.contentUrl}`);
    expect(content.status).toBe(200);
    expect(await content.json()).toEqual({ revenue: 10 });
    expect(content.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(content.headers.get('x-content-type-options')).toBe('nosniff');
    expect(content.headers.get('content-security-policy')).toContain('sandbox');
    expect(content.headers.get('content-disposition')).toBe(`inline; filename="Quarterly numbers.json"; filename*=UTF-8''Quarterly%20numbers.json`);
    expect(content.headers.get('cache-control')).toBe('no-store');
    const download = await fetch(`${k.url}${meta.body.contentUrl}?download=true`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; /);

    // Only the token's hash is stored.
    const token = created.body.url.split('/').pop();
    const rows = await k.kernel.container.get<Database>(Database).query<Record<string, unknown>>(`SELECT * FROM artifact_share WHERE id = ?`, [created.body.id]);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);

    // Move the clock past the expiry instead of waiting.
    shares.now = () => Date.now() + 25 * 3_600_000;
    try {
      for (const url of [created.body.url, `${created.body.url}/content`]) {
        const expired = await anonymous.get(url);
        expect(expired.status).toBe(410);
        expect(expired.headers.get('content-type')).toContain('application/problem+json');
        expect(expired.body).toMatchObject({ code: 'gone', detail: expect.stringMatching(/expired at/) });
      }
      const listed = await admin.get(`/v1/artifacts/${artifactId}/shares`);
      expect(listed.body.find((s: { id: string }) => s.id === created.body.id)).toMatchObject({ expired: true, url: null });
    } finally {
      shares.now = () => Date.now();
    }
    expect((await anonymous.get(created.body.url)).status).toBe(200);
  });

  it('honours a short expiry and refuses one beyond 30 days', async () => {
    const short = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public', expiresInHours: 0.5 });
    expect(short.status).toBe(201);
    expect(short.body.version).toBe(2);
    shares.now = () => Date.now() + 31 * 60_000;
    try {
      expect((await anonymous.get(short.body.url)).status).toBe(410);
    } finally {
      shares.now = () => Date.now();
    }
    const tooLong = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public', expiresInHours: 24 * 31 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ path: 'body.expiresInHours' })]);
  });

  it('stops a revoked public link at once, and revoking twice is a 404', async () => {
    const created = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public', expiresInHours: 2 });
    expect((await anonymous.get(created.body.url)).status).toBe(200);
    const revoked = await admin.delete(`/v1/artifacts/${artifactId}/shares/${created.body.id}`);
    expect(revoked.status).toBe(204);
    for (const url of [created.body.url, `${created.body.url}/content`]) {
      const gone = await anonymous.get(url);
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ code: 'not_found', detail: 'This shared link does not exist or was revoked.' });
    }
    expect((await admin.delete(`/v1/artifacts/${artifactId}/shares/${created.body.id}`)).status).toBe(404);
    const listed = await admin.get(`/v1/artifacts/${artifactId}/shares`);
    expect(listed.body.map((s: { id: string }) => s.id)).not.toContain(created.body.id);

    const audit = await admin.get('/v1/audit?action=artifact');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['artifact.shared', 'artifact.shareRevoked']));
  });

  it('answers unknown and malformed tokens exactly like revoked ones', async () => {
    const unknown = await anonymous.get(`/v1/shared/penny_shr_${'A'.repeat(43)}`);
    const malformed = await anonymous.get('/v1/shared/not-a-token');
    for (const res of [unknown, malformed]) {
      expect(res.status).toBe(404);
      expect(res.body.detail).toBe('This shared link does not exist or was revoked.');
    }
  });

  it('opens a tenant link only for members of that tenant', async () => {
    const created = await viewer.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'tenant', version: 1 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: 'tenant', url: `/artifacts/${artifactId}?version=1`, expiresAt: null });
    const opened = await viewer.get(`/v1/artifacts/${artifactId}/shares/${created.body.id}`);
    expect(opened.status).toBe(200);
    expect(opened.body.artifact).toMatchObject({ artifactId, version: 1 });

    // Another tenant's member sees a 404 exactly like for an id that never existed.
    const fromOutside = await outsider.get(`/v1/artifacts/${artifactId}/shares/${created.body.id}`);
    const neverExisted = await outsider.get(`/v1/artifacts/${artifactId}/shares/00000000-0000-4000-8000-000000000000`);
    expect(fromOutside.status).toBe(404);
    expect(neverExisted.status).toBe(404);
    expect(fromOutside.body.detail.replace(created.body.id, 'X')).toBe(neverExisted.body.detail.replace('00000000-0000-4000-8000-000000000000', 'X'));
    expect((await outsider.get(`/v1/artifacts/${artifactId}`)).status).toBe(404);
    expect((await outsider.get(`/v1/artifacts/${artifactId}/shares`)).status).toBe(404);
    const asMember = new Api(k.url, outsider.token, 'sharer');
    expect((await asMember.get(`/v1/artifacts/${artifactId}/shares/${created.body.id}`)).status).toBe(403);
    expect((await anonymous.get(`/v1/artifacts/${artifactId}/shares/${created.body.id}`)).status).toBe(401);
    // Row-level security: an unfiltered query in the other tenant's transaction sees none of these links.
    const db = k.kernel.container.get<Database>(Database);
    const otherTenantId = (await outsider.get('/v1/tenant')).body.id;
    expect(await db.tenant(otherTenantId, (em) => em.execute(`SELECT * FROM artifact_share`))).toEqual([]);
    expect((await db.tenant(otherTenantId, (em) => em.execute(`UPDATE artifact_share SET revoked_at = now() RETURNING id`))).length).toBe(0);

    // A tenant link with an expiry is 410 once it passed.
    const timed = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'tenant', expiresInHours: 1 });
    shares.now = () => Date.now() + 2 * 3_600_000;
    try {
      expect((await viewer.get(`/v1/artifacts/${artifactId}/shares/${timed.body.id}`)).status).toBe(410);
    } finally {
      shares.now = () => Date.now();
    }
  });

  it('lets viewers share inside the tenant only, and revoke only their own links', async () => {
    const denied = await viewer.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public' });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/artifacts\.write/);
    const adminsLink = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'tenant' });
    expect((await viewer.delete(`/v1/artifacts/${artifactId}/shares/${adminsLink.body.id}`)).status).toBe(403);
    const own = await viewer.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'tenant' });
    expect((await viewer.delete(`/v1/artifacts/${artifactId}/shares/${own.body.id}`)).status).toBe(204);
  });

  it('refuses public links when the tenant turned them off, and stops existing ones', async () => {
    const existing = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public' });
    expect((await anonymous.get(existing.body.url)).status).toBe(200);
    expect((await admin.patch('/v1/tenant/settings', { allowPublicShares: false })).status).toBe(200);
    try {
      expect((await anonymous.get(existing.body.url)).status).toBe(404);
      expect((await anonymous.get(`${existing.body.url}/content`)).status).toBe(404);
      const refused = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public' });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toMatch(/allowPublicShares/);
      expect((await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'tenant' })).status).toBe(201);
    } finally {
      await admin.patch('/v1/tenant/settings', { allowPublicShares: true });
    }
    expect((await anonymous.get(existing.body.url)).status).toBe(200);
  });

  it('refuses bad input with problem details', async () => {
    const scope = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'world' });
    expect(scope.status).toBe(400);
    expect(scope.headers.get('content-type')).toContain('application/problem+json');
    expect(scope.body.errors[0].path).toBe('body.scope');
    const extra = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'tenant', password: 'x' });
    expect(extra.status).toBe(400);
    expect((await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'public', expiresInHours: 0 })).status).toBe(400);
    const version = await admin.post(`/v1/artifacts/${artifactId}/shares`, { scope: 'tenant', version: 99 });
    expect(version.status).toBe(404);
    expect(version.body.detail).toMatch(/no version 99/);
    expect((await admin.post(`/v1/artifacts/00000000-0000-4000-8000-000000000000/shares`, { scope: 'tenant' })).status).toBe(404);
    expect((await admin.post(`/v1/artifacts/not-a-uuid/shares`, { scope: 'tenant' })).status).toBe(400);
  });

  it('serves active content (HTML) in a sandbox', async () => {
    const page = await admin.post('/v1/artifacts', { mimeType: 'text/html', title: 'Report', data: '<h1>Hi</h1><script>alert(1)</script>', encoding: 'text' });
    const link = await admin.post(`/v1/artifacts/${page.body.artifactId}/shares`, { scope: 'public', expiresInHours: 1 });
    const res = await fetch(`${k.url}${link.body.url}/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain('sandbox');
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get('content-disposition')).toContain('Report.html');
  });
});
