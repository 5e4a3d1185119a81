// Extensions through the kernel: contributions known from manifests, tools invoked over HTTP in a
// per-tenant host, and containment: a hostile extension in one tenant times out, blows its memory,
// crashes its host and gets disabled, while another tenant's calls keep succeeding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Database } from '../src/database/database.service.ts';
import { ExtensionHosts } from '../src/extensions/extension-hosts.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';
import { installDirectly, repoRoot } from './extension-fixtures.ts';

const ECHO_TABLE = path.join(repoRoot, 'extensions/echo-table');
const HOSTILE = path.join(repoRoot, 'extension-host/test/fixtures/hostile');

describe('extensions in the kernel', () => {
  let k: TestKernel;
  let admin: Api;
  let good: Api;
  let evil: Api;
  const tenants: Record<string, string> = {};

  beforeAll(async () => {
    k = await startTestKernel({
      config: {
        extensions: {
          memoryMb: 32,
          cpuMsPerCall: 1500,
          wallMsPerCall: 3000,
          hostIdleMs: 600_000,
          heartbeatMs: 250,
          heartbeatTimeoutMs: 8000,
          crashLimit: 6,
          crashWindowMs: 60_000,
          maxResultBytes: 64 * 1024,
          maxConcurrentToolCalls: 16,
        },
        rateLimit: {
          perUser: 10_000,
          perTenant: 10_000,
          perAnonymousIp: 10_000,
          windowMs: 60_000,
          loginFailuresPerAccount: 5,
          loginFailuresPerIp: 50,
          loginWindowMs: 60_000,
        },
      },
    });
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const slug of ['good', 'evil', 'empty', 'loop', 'tight', 'pub']) tenants[slug] = (await admin.post('/v1/tenants', { slug, name: slug })).body.id;
    await installDirectly(k.kernel, tenants.good!, ECHO_TABLE);
    await installDirectly(k.kernel, tenants.evil!, HOSTILE);
    await installDirectly(k.kernel, tenants.evil!, ECHO_TABLE);
    await installDirectly(k.kernel, tenants.loop!, HOSTILE);
    await installDirectly(k.kernel, tenants.loop!, ECHO_TABLE);
    await installDirectly(k.kernel, tenants.pub!, path.join(import.meta.dirname, 'fixtures/publisher'));
    await installDirectly(k.kernel, tenants.tight!, HOSTILE);
    // The tenant's policy tightens the kernel's wall-clock limit (3000 ms) to 400 ms.
    await k.kernel.container.get<Database>(Database).query(`UPDATE tenant SET settings = ?::jsonb WHERE id = ?`, [JSON.stringify({ policy: { limits: { wallMsPerCall: 400, memoryMb: 512 } } }), tenants.tight]);
    good = new Api(k.url, admin.token, 'good');
    evil = new Api(k.url, admin.token, 'evil');
  });
  afterAll(async () => k?.stop());

  it('serves contributions from manifests without starting a host', async () => {
    const res = await good.get('/v1/contributions');
    expect(res.status).toBe(200);
    expect(res.body.tools.map((t: { name: string }) => t.name)).toEqual(['echo_table']);
    expect(res.body.tools[0].extensionId).toBe('penny.echo-table');
    expect(res.body.commands.map((c: { id: string }) => c.id)).toEqual(['echo-table.count']);
    expect(k.kernel.container.get(ExtensionHosts).running(tenants.good!)).toBeUndefined();
    // Another tenant sees none of it.
    const empty = new Api(k.url, admin.token, 'empty');
    expect((await empty.get('/v1/tools')).body).toEqual([]);
    expect((await empty.post('/v1/tools/echo_table/invoke', { arguments: { columns: ['a'], rows: [] } })).status).toBe(404);
  });

  it('invokes a tool end to end and returns its table artifact', async () => {
    const res = await good.post('/v1/tools/echo_table/invoke', {
      arguments: {
        title: 'Sales',
        columns: ['region', 'amount'],
        rows: [
          ['north', 10],
          ['south', 20],
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tool: 'echo_table', extensionId: 'penny.echo-table', content: { rows: 2, columns: 2, calls: 1 } });
    expect(res.body.artifacts).toEqual([
      {
        mimeType: 'application/vnd.penny.table+json',
        title: 'Sales',
        data: {
          columns: [{ name: 'region' }, { name: 'amount' }],
          rows: [
            ['north', 10],
            ['south', 20],
          ],
        },
      },
    ]);
    expect(res.body.durationMs).toBeGreaterThan(0);
    // Extension storage persists in the kernel between calls.
    const again = await good.post('/v1/tools/echo_table/invoke', { arguments: { columns: ['x'], rows: [] } });
    expect(again.body.content.calls).toBe(2);
    expect((await good.post('/v1/commands/echo-table.count/run', {})).body).toEqual({ result: 2 });
    const audit = await good.get('/v1/audit?action=tool.invoked');
    expect(audit.body.items.map((e: { outcome: string; target: string }) => [e.outcome, e.target])).toEqual([
      ['success', 'tool:penny.echo-table/echo_table'],
      ['success', 'tool:penny.echo-table/echo_table'],
    ]);
  });

  it('lets extension code publish artifacts into the registry', async () => {
    const pub = new Api(k.url, admin.token, 'pub');
    const res = await pub.post('/v1/tools/publish_note/invoke', { arguments: { text: '# Hello' } });
    expect(res.status).toBe(200);
    const ref = res.body.content as { artifactId: string; version: number };
    expect(ref.version).toBe(1);
    const meta = await pub.get(`/v1/artifacts/${ref.artifactId}`);
    expect(meta.body).toMatchObject({ mimeType: 'text/markdown', title: 'Note', lineage: { extensionId: 'test.publisher' } });
    const content = await pub.get(`/v1/artifacts/${ref.artifactId}/content`);
    expect(content.body).toBe('# Hello');
    // Another tenant cannot see it.
    expect((await good.get(`/v1/artifacts/${ref.artifactId}`)).status).toBe(404);
  });

  it('applies limits that a tenant policy tightens, never loosens', async () => {
    const tight = new Api(k.url, admin.token, 'tight');
    const hang = await callStatus(tight, 'hang');
    expect(hang.status).toBe(504);
    expect(hang.body.detail).toMatch(/\b400 ?ms/);
    const stats = await tight.get('/v1/extension-host');
    expect(stats.body.isolates[0].heapLimitBytes).toBeLessThanOrEqual(40 * 1024 * 1024);
  });

  it('checks arguments against the tool schema before running anything', async () => {
    const res = await good.post('/v1/tools/echo_table/invoke', { arguments: { columns: 'not a list', extra: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['arguments', 'arguments.columns', 'arguments.rows']);
  });

  it('lets only roles with tools.invoke list and call tools', async () => {
    const limited = await good.post('/v1/tokens', { name: 'viewer', roles: ['viewer'] });
    const viewer = new Api(k.url, limited.body.token);
    expect((await viewer.get('/v1/contributions')).body.tools).toHaveLength(1);
    expect((await viewer.get('/v1/tools')).body).toEqual([]);
    const denied = await viewer.post('/v1/tools/echo_table/invoke', { arguments: { columns: ['a'], rows: [] } });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('tools.invoke');
  });

  async function callStatus(api: Api, tool: string, args: Record<string, unknown> = {}) {
    const res = await api.post(`/v1/tools/${tool}/invoke`, { arguments: args });
    return { status: res.status, body: res.body };
  }

  async function expectCall(api: Api, tool: string, status: number, args: Record<string, unknown> = {}) {
    const res = await callStatus(api, tool, args);
    expect(res.status, `${tool}: ${JSON.stringify(res.body)}`).toBe(status);
    return res;
  }

  it('contains a hostile extension while the other tenant keeps working', async () => {
    let stop = false;
    const goodResults: number[] = [];
    const goodFailures: string[] = [];
    const background = (async () => {
      while (!stop) {
        const res = await good.post('/v1/tools/echo_table/invoke', { arguments: { columns: ['a'], rows: [[1]] } });
        goodResults.push(res.status);
        if (res.status !== 200) goodFailures.push(JSON.stringify(res.body));
      }
    })();
    try {
      await expectCall(evil, 'ok', 200);
      const spin = await expectCall(evil, 'spin', 504);
      expect(spin.body.code).toBe('extension_timeout');
      await expectCall(evil, 'ok', 200);

      const bomb = await expectCall(evil, 'bomb', 502);
      expect(bomb.body.detail).toMatch(/memory/i);
      await expectCall(evil, 'ok', 200);

      await expectCall(evil, 'hang', 504);

      for (const tool of ['reject_unhandled', 'throw_later']) {
        expect((await callStatus(evil, tool)).status).toBeLessThan(600);
        await expectCall(evil, 'ok', 200);
      }
      const thrown = await callStatus(evil, 'throw_value', { value: 42 });
      expect(thrown.status).toBe(502);

      const blocked = await callStatus(evil, 'fetch_url', { url: 'http://not-declared.example/' });
      expect(JSON.stringify(blocked.body)).toMatch(/EgressDenied|not allowed|denied/i);
    } finally {
      stop = true;
      await background;
    }
    expect(goodResults.length).toBeGreaterThan(0);
    expect(goodFailures).toEqual([]);
  });

  it('fails a call fast when its host is killed, then restarts the host', async () => {
    await expectCall(evil, 'ok', 200);
    const host = k.kernel.container.get(ExtensionHosts).running(tenants.evil!)!;
    const pid = host.pid!;
    const pending = callStatus(evil, 'hang');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    const failed = await pending;
    expect(failed.status).toBe(502);
    expect(failed.body.detail).toMatch(/host stopped/);
    expect(Date.now() - t0).toBeLessThan(2000);
    const after = await callStatus(evil, 'ok');
    expect(after.status).toBe(200);
    expect(k.kernel.container.get(ExtensionHosts).running(tenants.evil!)!.pid).not.toBe(pid);
    const audit = await evil.get('/v1/audit?action=extension.hostCrashed');
    expect(audit.body.items.length).toBeGreaterThanOrEqual(1);
  });

  it('kills and replaces a host that stops answering heartbeats', async () => {
    await expectCall(evil, 'ok', 200);
    const hosts = k.kernel.container.get(ExtensionHosts);
    const pid = hosts.running(tenants.evil!)!.pid!;
    process.kill(pid, 'SIGSTOP');
    const deadline = Date.now() + 10_000;
    while (hosts.running(tenants.evil!)?.pid === pid && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(hosts.running(tenants.evil!)?.pid).not.toBe(pid);
    // The frozen process is gone (once its parent has reaped it).
    const gone = async () => {
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(pid, 0);
        } catch (err) {
          return (err as NodeJS.ErrnoException).code;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return 'still alive';
    };
    expect(await gone()).toBe('ESRCH');
    await new Promise((r) => setTimeout(r, 600));
    await expectCall(evil, 'ok', 200);
  });

  it('adds secrets to allowed requests in the host, never exposing them to the extension', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ authorization: req.headers.authorization }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
      const missing = await callStatus(evil, 'echo_headers', { url });
      expect(JSON.stringify(missing.body)).toMatch(/has not been set/);
      expect((await evil.request('PUT', '/v1/extensions/test.hostile/secrets/ECHO_TOKEN', { value: 's3cr3t-value' })).status).toBe(204);
      expect((await evil.request('PUT', '/v1/extensions/test.hostile/secrets/OTHER', { value: 'x' })).status).toBe(404);
      const res = await callStatus(evil, 'echo_headers', { url });
      expect(seen.at(-1)).toBe('Bearer s3cr3t-value');
      expect(JSON.stringify(res.body)).not.toContain('s3cr3t-value');
      expect((await evil.get('/v1/extensions/test.hostile/secrets')).body.map((s: { name: string }) => s.name)).toEqual(['ECHO_TOKEN']);
    } finally {
      server.close();
    }
  });

  it('disables an extension that keeps crashing, with an audit event', async () => {
    const loop = new Api(k.url, admin.token, 'loop');
    for (let i = 0; i < 6; i++) await expectCall(loop, 'spin', 504);
    await new Promise((r) => setTimeout(r, 300));
    const disabled = await callStatus(loop, 'ok');
    expect(disabled.status).toBe(404);
    const audit = await loop.get('/v1/audit?action=extension.disabled');
    expect(audit.body.items[0]).toMatchObject({ actor: 'system', target: 'extension:test.hostile' });
    // The tenant's other extension, and the same extension in another tenant, are unaffected.
    expect((await loop.post('/v1/tools/echo_table/invoke', { arguments: { columns: ['a'], rows: [] } })).status).toBe(200);
    await expectCall(evil, 'ok', 200);
  });

  it('removes an uninstalled extension\'s storage and secrets', async () => {
    const loop = new Api(k.url, admin.token, 'loop');
    const db = k.kernel.container.get<Database>(Database);
    const count = async () => (await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM extension_storage WHERE tenant_id = ? AND extension_id = 'penny.echo-table'`, [tenants.loop]))[0]!.n;
    expect(Number(await count())).toBeGreaterThan(0);
    expect((await loop.delete('/v1/extensions/penny.echo-table')).status).toBe(204);
    for (let i = 0; i < 50 && (await count()) !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await count()).toBe('0');
    // Another tenant's storage of the same extension stays.
    const others = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM extension_storage WHERE tenant_id = ? AND extension_id = 'penny.echo-table'`, [tenants.good]);
    expect(Number(others[0]!.n)).toBeGreaterThan(0);
  });
});
