// Tenant isolation holds in the database itself: a query with no tenant filter, sent through the
// request path of tenant A, sees none of tenant B's rows and cannot write into tenant B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerModule, injectable, inject } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { Database } from '../src/database/database.service.ts';
import { TENANT_OWNED_TABLES } from '../src/database/migrations/Migration20261125000000Foundation.ts';
import { tenantOf } from '../src/http/access.ts';
import { RouteContribution } from '../src/http/route-contribution.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';

const TABLES = [...TENANT_OWNED_TABLES, 'tenant', 'app_user'];

/** A deliberately careless route: runs `SELECT *` on a table without any tenant filter. */
@injectable()
class CarelessRoutes implements RouteContribution {
  constructor(@inject(Database) private readonly db: Database) {}
  register(app: FastifyInstance): void {
    app.get<{ Params: { table: string } }>(
      '/test/raw/:table',
      { config: { access: { permission: 'tenant.read' } }, schema: { params: { type: 'object', properties: { table: { type: 'string', enum: [...TABLES, 'session'] } } } } },
      async (request) => this.db.tenant(tenantOf(request).tenantId, (em) => em.execute(`SELECT * FROM ${request.params.table}`)),
    );
    app.post<{ Params: { table: string }; Body: { sql: string; params: unknown[] } }>(
      '/test/raw',
      { config: { access: { permission: 'tenant.read' } } },
      async (request) => this.db.tenant(tenantOf(request).tenantId, (em) => em.execute(request.body.sql, request.body.params)),
    );
  }
}

describe('row-level security', () => {
  let k: TestKernel;
  let a: Api;
  let b: Api;
  const ids: Record<'a' | 'b', string> = { a: '', b: '' };

  beforeAll(async () => {
    k = await startTestKernel({ modules: [new ContainerModule(({ bind }) => void bind(RouteContribution).to(CarelessRoutes))] });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    // Two tenants, each with data in every tenant-owned table.
    for (const t of ['a', 'b'] as const) {
      const created = await admin.post('/v1/tenants', { slug: `tenant-${t}`, name: `Tenant ${t.toUpperCase()}` });
      ids[t] = created.body.id;
      admin.tenant = `tenant-${t}`;
      const inv = await admin.post('/v1/invitations', { email: `user-${t}@example.test`, role: 'creator' });
      await new Api(k.url).post('/v1/invitations/accept', { token: inv.body.token, password: `password-of-${t}-user` });
      await admin.post('/v1/invitations', { email: `pending-${t}@example.test`, role: 'viewer' });
      await admin.post('/v1/workspaces', { name: `Secret plans of ${t}` });
      await admin.post('/v1/tokens', { name: `token-${t}` });
    }
    a = await new Api(k.url).signIn('user-a@example.test', 'password-of-a-user', 'tenant-a');
    b = await new Api(k.url).signIn('user-b@example.test', 'password-of-b-user', 'tenant-b');
  });
  afterAll(async () => k?.stop());

  it.each(TENANT_OWNED_TABLES)('SELECT * FROM %s returns only the caller tenant rows', async (table) => {
    for (const [api, own, other] of [
      [a, ids.a, ids.b],
      [b, ids.b, ids.a],
    ] as const) {
      const res = await api.get(`/test/raw/${table}`);
      expect(res.status).toBe(200);
      const rows = res.body as { tenant_id: string }[];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.tenant_id === own)).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(other);
    }
  });

  it('shows a tenant only its own tenant row', async () => {
    const tenants = (await a.get('/test/raw/tenant')).body as { id: string }[];
    expect(tenants.map((t) => t.id)).toEqual([ids.a]);
    // SELECT * would include password_hash, which the request role may not read at all.
    expect((await a.get('/test/raw/app_user')).status).toBe(500);
  });

  it('never exposes password hashes or sessions to tenant queries', async () => {
    const res = await a.post('/test/raw', { sql: 'SELECT email, password_hash FROM app_user', params: [] });
    expect(res.status).toBe(500);
    const users = await a.post('/test/raw', { sql: 'SELECT id, email FROM app_user', params: [] });
    const emails = (users.body as { email: string }[]).map((u) => u.email).sort();
    expect(emails).toEqual([ADMIN_EMAIL, 'user-a@example.test']);
    expect((await a.get('/test/raw/session')).status).toBe(500);
  });

  it('refuses writes into another tenant and cannot touch its rows', async () => {
    const insert = await a.post('/test/raw', {
      sql: `INSERT INTO workspace (tenant_id, name) VALUES (?, 'planted')`,
      params: [ids.b],
    });
    expect(insert.status).toBe(500);
    const update = await a.post('/test/raw', { sql: `UPDATE workspace SET name = 'pwned' WHERE tenant_id = ? RETURNING id`, params: [ids.b] });
    expect(update.body).toEqual([]);
    const del = await a.post('/test/raw', { sql: `DELETE FROM membership WHERE tenant_id = ? RETURNING id`, params: [ids.b] });
    expect(del.body).toEqual([]);
    const names = ((await b.get('/v1/workspaces')).body as { name: string }[]).map((w) => w.name);
    expect(names).toContain('Secret plans of b');
    expect(names).not.toContain('pwned');
  });

  it('has row-level security on every table with a tenant_id column', async () => {
    const database = k.kernel.container.get<Database>(Database);
    const rows = await database.query<{ table: string; rls: boolean; policies: string }>(
      `SELECT c.relname AS table, c.relrowsecurity AS rls,
              (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::text AS policies
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(TENANT_OWNED_TABLES.length);
    for (const row of rows) expect({ table: row.table, rls: row.rls, hasPolicy: Number(row.policies) > 0 }).toEqual({ table: row.table, rls: true, hasPolicy: true });
  });

  it('keeps the audit log append-only for requests', async () => {
    const res = await a.post('/test/raw', { sql: `UPDATE audit_event SET action = 'forged' RETURNING id`, params: [] });
    expect(res.status).toBe(500);
  });
});
