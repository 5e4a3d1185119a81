// Bad input on every route in the OpenAPI document gets a 4xx problem+json, never a 500:
// malformed JSON, wrong types, unknown fields, oversized bodies, and SQL/HTML metacharacters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type ApiResponse, type TestKernel } from './harness.ts';
import { loadTelemetryConfig } from '../src/telemetry/telemetry.config.ts';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; enum?: unknown[]; minimum?: number; format?: string; items?: Schema };
interface Operation {
  method: string;
  path: string;
  body?: Schema;
  query?: { name: string; schema: Schema }[];
}

const NASTY = [`'; DROP TABLE tenant; --`, `<script>alert(1)</script>`, `" OR 1=1 --`, `%00\u0000`, `../../etc/passwd`, `${'{{7*7}}'}`];

function wrongValue(s: Schema): unknown {
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  return t === 'string' ? 12345 : t === 'integer' || t === 'number' ? 'not a number' : t === 'boolean' ? 'yes' : t === 'array' ? 'not an array' : 'x';
}

function nastyValue(s: Schema, nasty: string): unknown {
  if (s.enum) return s.enum[0];
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  if (t === 'integer' || t === 'number') return s.minimum ?? 1;
  if (t === 'boolean') return true;
  if (t === 'array') return s.items ? [nastyValue(s.items, nasty)] : [];
  if (s.format === 'email') return `o'brien+x@example.test`;
  if (s.format === 'uuid') return randomUUID();
  return nasty;
}

describe('hostile input on every route', () => {
  let k: TestKernel;
  let admin: Api;
  const operations: Operation[] = [];

  beforeAll(async () => {
    // Every optional route on, so that every one of them meets the hostile input.
    k = await startTestKernel({ config: { telemetry: { ...loadTelemetryConfig({}), mode: 'kernel' } } });
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    const doc = (await admin.get('/docs/openapi.json')).body as { paths: Record<string, Record<string, any>> };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        // Signing out would end the session the rest of the test uses.
        if (path === '/v1/auth/logout') continue;
        operations.push({
          method: method.toUpperCase(),
          path,
          body: op.requestBody?.content?.['application/json']?.schema,
          query: (op.parameters ?? []).filter((p: { in: string }) => p.in === 'query'),
        });
      }
    }
  });
  afterAll(async () => k?.stop());

  const url = (op: Operation, param: string) => op.path.replace(/\{[^}]+\}/g, encodeURIComponent(param));

  async function expectProblem(res: ApiResponse, label: string, statuses?: number[]) {
    expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
    expect(res.status, label).toBeLessThan(500);
    if (statuses) expect(statuses, label).toContain(res.status);
    expect(res.headers.get('content-type'), label).toContain('application/problem+json');
    expect(res.body.detail, label).toEqual(expect.any(String));
    expect(JSON.stringify(res.body), label).not.toMatch(/at .*\.ts:\d+|node_modules/);
  }

  it('covers the whole API', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it('answers malformed JSON, wrong types, unknown fields and oversized bodies with 4xx problems', async () => {
    for (const op of operations.filter((o) => o.body)) {
      const path = url(op, randomUUID());
      const label = `${op.method} ${op.path}`;
      await expectProblem(await admin.request(op.method, path, '{"unterminated": '), `${label} malformed`, [400]);
      const properties = Object.entries(op.body!.properties ?? {});
      const wrong = Object.fromEntries(properties.map(([k, s]) => [k, wrongValue(s)]));
      // A body whose every member takes any JSON value (a stored preference) has no wrong type.
      if (properties.some(([, s]) => s.type)) await expectProblem(await admin.request(op.method, path, wrong), `${label} wrong types`, [400]);
      await expectProblem(await admin.request(op.method, path, { ...wrong, unexpectedField: true }), `${label} unknown field`, [400]);
      const huge = { padding: 'x'.repeat(1024 * 1024 + 10) };
      await expectProblem(await admin.request(op.method, path, huge), `${label} oversized`, [413]);
      await expectProblem(await admin.request(op.method, path, 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), `${label} wrong content type`, [415]);
    }
  });

  it('treats SQL and HTML metacharacters as plain data', async () => {
    for (const op of operations) {
      for (const nasty of NASTY) {
        const label = `${op.method} ${op.path} with ${JSON.stringify(nasty)}`;
        const body = op.body ? Object.fromEntries(Object.entries(op.body.properties ?? {}).map(([k, s]) => [k, nastyValue(s, nasty)])) : undefined;
        const qs = (op.query ?? []).map((q) => `${q.name}=${encodeURIComponent(String(nastyValue(q.schema, nasty)))}`).join('&');
        const res = await admin.request(op.method, url(op, nasty) + (qs ? `?${qs}` : ''), body);
        expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        if (res.status >= 400) await expectProblem(res, label);
      }
    }
    // Stored metacharacters come back verbatim, and the database is intact.
    const created = await admin.post('/v1/workspaces', { name: `Robert'); DROP TABLE workspace;-- <b>` });
    expect(created.status).toBe(201);
    const got = await admin.get(`/v1/workspaces/${created.body.id}`);
    expect(got.body.name).toBe(`Robert'); DROP TABLE workspace;-- <b>`);
    expect((await admin.get('/readyz')).status).toBe(200);
  });

  it('answers unknown routes and bad ids with problems', async () => {
    await expectProblem(await admin.get('/v1/nope'), 'unknown route', [404]);
    await expectProblem(await admin.get('/v1/workspaces/not-a-uuid'), 'bad uuid', [400]);
    await expectProblem(await admin.get(`/v1/workspaces/${randomUUID()}`), 'missing workspace', [404]);
    await expectProblem(await admin.get('/v1/audit?limit=100000'), 'limit too large', [400]);
  });

  it('requires sign-in and says how', async () => {
    const anonymous = new Api(k.url);
    const res = await anonymous.get('/v1/workspaces');
    await expectProblem(res, 'anonymous', [401]);
    expect(res.body.detail).toContain('Bearer');
    await expectProblem(await new Api(k.url, 'penny_bt_forged').get('/v1/workspaces'), 'forged token', [401]);
    await expectProblem(await anonymous.request('GET', '/v1/workspaces', undefined, { authorization: 'Basic abc' }), 'wrong scheme', [401]);
  });
});
