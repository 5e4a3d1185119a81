// The administrator's journey over HTTP: sign in, create a tenant, invite, accept, change role,
// create a personal access token, use it, and find every step in a verifying audit chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';

describe('tenant administration journey', () => {
  let k: TestKernel;
  let admin: Api;

  beforeAll(async () => {
    k = await startTestKernel();
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => k?.stop());

  it('walks from sign-in to a verified audit trail', async () => {
    const created = await admin.post('/v1/tenants', { slug: 'acme', name: 'Acme Inc' });
    expect(created.status).toBe(201);
    admin.tenant = 'acme';

    const invite = await admin.post('/v1/invitations', { email: 'Bob@Acme.test', role: 'viewer' });
    expect(invite.status).toBe(201);
    expect(invite.body.email).toBe('bob@acme.test');
    expect(invite.body.link).toContain('#token=penny_inv_');
    expect(invite.body.emailed).toBe(false);

    const anonymous = new Api(k.url);
    const lookup = await anonymous.post('/v1/invitations/lookup', { token: invite.body.token });
    expect(lookup.body).toMatchObject({ email: 'bob@acme.test', role: 'viewer', tenant: { slug: 'acme' }, accountExists: false });

    const accepted = await anonymous.post('/v1/invitations/accept', { token: invite.body.token, password: 'bob-secret-password', displayName: 'Bob' });
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ slug: 'acme', role: 'viewer', created: true });
    const bobId = accepted.body.userId;

    const reused = await anonymous.post('/v1/invitations/accept', { token: invite.body.token, password: 'bob-secret-password' });
    expect(reused.status).toBe(410);

    const role = await admin.patch(`/v1/members/${bobId}`, { role: 'creator' });
    expect(role.status).toBe(200);
    expect(role.body.role).toBe('creator');

    const bob = await anonymous.signIn('bob@acme.test', 'bob-secret-password');
    const session = await bob.get('/v1/auth/session');
    expect(session.body.tenants).toEqual([expect.objectContaining({ slug: 'acme', role: 'creator' })]);

    const pat = await bob.post('/v1/tokens', { name: 'ci', roles: ['creator'] });
    expect(pat.status).toBe(201);
    expect(pat.body.token).toMatch(/^penny_pat_/);
    const withPat = new Api(k.url, pat.body.token);
    const ws = await withPat.post('/v1/workspaces', { name: 'Finance' });
    expect(ws.status).toBe(201);
    const list = await withPat.get('/v1/workspaces');
    expect(list.body.map((w: { name: string }) => w.name).sort()).toEqual(['Finance', 'General']);

    // The token is listed without its secret, and stops working once revoked.
    const tokens = await bob.get('/v1/tokens');
    expect(JSON.stringify(tokens.body)).not.toContain(pat.body.token);
    expect((await bob.delete(`/v1/tokens/${pat.body.id}`)).status).toBe(204);
    expect((await withPat.get('/v1/workspaces')).status).toBe(401);

    const audit = await admin.get('/v1/audit?limit=50');
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action).reverse();
    expect(actions).toEqual([
      'tenant.created',
      'member.invited',
      'member.joined',
      'member.roleChanged',
      'auth.signedIn',
      'token.created',
      'workspace.created',
      'token.revoked',
    ]);
    const verify = await admin.get('/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, events: 8, headSeq: 8, problems: [] });

    const platform = await admin.get('/v1/platform/audit?action=auth');
    expect(platform.body.items.some((e: { action: string; actor: string }) => e.action === 'auth.signedIn' && e.actor === ADMIN_EMAIL)).toBe(true);
    expect((await admin.get('/v1/platform/audit/verify')).body.ok).toBe(true);
  });

  it('enforces the permission matrix and role ceilings', async () => {
    admin.tenant = 'acme';
    const inv = await admin.post('/v1/invitations', { email: 'vera@acme.test', role: 'viewer' });
    await new Api(k.url).post('/v1/invitations/accept', { token: inv.body.token, password: 'vera-secret-password' });
    const vera = await new Api(k.url).signIn('vera@acme.test', 'vera-secret-password');
    expect((await vera.get('/v1/workspaces')).status).toBe(200);
    const denied = await vera.post('/v1/workspaces', { name: 'Nope' });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('workspaces.write');
    expect((await vera.get('/v1/members')).status).toBe(403);
    expect((await vera.get('/v1/audit')).status).toBe(403);
    // A viewer cannot mint a token that carries more than viewer.
    const escalate = await vera.post('/v1/tokens', { name: 'x', roles: ['admin'] });
    expect(escalate.status).toBe(403);
    // A platform-only route refuses tenant admins who are not platform admins.
    expect((await vera.post('/v1/tenants', { slug: 'vera-co', name: 'Vera' })).status).toBe(403);
    // An admin's token limited to viewer acts as a viewer.
    const limited = await admin.post('/v1/tokens', { name: 'read-only', roles: ['viewer'] });
    const ro = new Api(k.url, limited.body.token);
    expect((await ro.get('/v1/workspaces')).status).toBe(200);
    expect((await ro.get('/v1/members')).status).toBe(403);
    // The token is pinned to its tenant.
    const other = await ro.request('GET', '/v1/workspaces', undefined, { 'x-penny-tenant': 'demo' });
    expect(other.status).toBe(403);
  });

  it('keeps the last admin and removes members with their tokens', async () => {
    admin.tenant = 'acme';
    const members = (await admin.get('/v1/members')).body as { userId: string; email: string; role: string }[];
    const me = members.find((m) => m.email === ADMIN_EMAIL)!;
    const demote = await admin.patch(`/v1/members/${me.userId}`, { role: 'viewer' });
    expect(demote.status).toBe(409);
    expect(demote.body.detail).toContain('last admin');

    const inv = await admin.post('/v1/invitations', { email: 'carol@acme.test', role: 'creator' });
    const carolId = (await new Api(k.url).post('/v1/invitations/accept', { token: inv.body.token, password: 'carol-secret-password' })).body.userId;
    const carol = await new Api(k.url).signIn('carol@acme.test', 'carol-secret-password');
    const pat = new Api(k.url, (await carol.post('/v1/tokens', { name: 'c' })).body.token);
    expect((await pat.get('/v1/workspaces')).status).toBe(200);
    expect((await admin.delete(`/v1/members/${carolId}`)).status).toBe(204);
    expect((await pat.get('/v1/workspaces')).status).toBe(401);
    expect((await carol.get('/v1/workspaces')).status).toBe(403);
  });

  it('lets an existing user accept an invitation to a second tenant and switch by header', async () => {
    admin.tenant = 'demo';
    const inv = await admin.post('/v1/invitations', { email: 'bob@acme.test', role: 'viewer' });
    expect((await new Api(k.url).post('/v1/invitations/lookup', { token: inv.body.token })).body.accountExists).toBe(true);
    const wrong = await new Api(k.url).post('/v1/invitations/accept', { token: inv.body.token, password: 'not-bobs-password' });
    expect(wrong.status).toBe(401);
    const ok = await new Api(k.url).post('/v1/invitations/accept', { token: inv.body.token, password: 'bob-secret-password' });
    expect(ok.body).toMatchObject({ slug: 'demo', created: false });
    const bob = await new Api(k.url).signIn('bob@acme.test', 'bob-secret-password');
    expect((await bob.get('/v1/tenant')).body.slug).toBe('acme');
    bob.tenant = 'demo';
    expect((await bob.get('/v1/tenant')).body.slug).toBe('demo');
    bob.tenant = 'nope';
    expect((await bob.get('/v1/tenant')).status).toBe(403);
  });
});
