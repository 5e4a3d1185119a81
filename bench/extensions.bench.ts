// Extension path figures for a trivial tool (`echo`, returns its arguments):
// - the in-process round trip kernel → host process → isolate → back (ExtensionHosts.invokeTool),
// - the same over HTTP (auth, RBAC, schema validation, audit record included),
// - cold activation of an extension in a running host, and a tenant host's cold start,
// - resident memory of an idle tenant host.
//   npm run bench:extensions [-- --calls 2000 --tenants 5]
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { ExtensionHosts } from '../kernel/src/extensions/extension-hosts.ts';
import { InstalledExtensions } from '../kernel/src/extensions/installed-extensions.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel } from '../kernel/test/harness.ts';
import { installDirectly, repoRoot } from '../kernel/test/extension-fixtures.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, tenants: { type: 'string', default: '5' } } });
const calls = Number(values.calls);
const tenantCount = Number(values.tenants);
const ECHO = path.join(repoRoot, 'extension-host/test/fixtures/echo-table');

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(3)} ms, p99 ${pct(xs, 99).toFixed(3)} ms (n=${xs.length})`;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

process.env.PENNY_TEST_DB ??= 'pglite';
const k = await startTestKernel({
  config: { rateLimit: { perUser: 1e9, perTenant: 1e9, perAnonymousIp: 1e9, windowMs: 60_000, loginFailuresPerAccount: 5, loginFailuresPerIp: 50, loginWindowMs: 60_000 } },
});
try {
  const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const hosts = k.kernel.container.get(ExtensionHosts);
  const installedExtensions = k.kernel.container.get(InstalledExtensions);
  const tenantIds: string[] = [];
  for (let i = 0; i < tenantCount; i++) {
    const id = (await admin.post('/v1/tenants', { slug: `bench-${i}`, name: `Bench ${i}` })).body.id as string;
    await installDirectly(k.kernel, id, ECHO);
    tenantIds.push(id);
  }
  const [first] = tenantIds;
  const installed = await installedExtensions.get(first!, 'test.echo-table');

  // Host cold start + first activation, per tenant.
  const coldStarts: number[] = [];
  for (const id of tenantIds) {
    const ext = await installedExtensions.get(id, 'test.echo-table');
    const t0 = performance.now();
    await hosts.invokeTool(id, ext, 'echo', { warm: true }, 'c0', { userId: 'bench' }, 5000);
    coldStarts.push(performance.now() - t0);
  }

  // Activation in a running host: deactivate, then the next call activates again.
  const activations: number[] = [];
  const steady: number[] = [];
  for (let i = 0; i < 30; i++) {
    await hosts.running(first!)!.deactivate('test.echo-table');
    let t0 = performance.now();
    await hosts.invokeTool(first!, installed, 'echo', { i }, `a${i}`, { userId: 'bench' }, 5000);
    activations.push(performance.now() - t0);
    t0 = performance.now();
    await hosts.invokeTool(first!, installed, 'echo', { i }, `s${i}`, { userId: 'bench' }, 5000);
    steady.push(performance.now() - t0);
  }
  const activationOnly = activations.map((a, i) => a - steady[i]!);

  const inProcess: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await hosts.invokeTool(first!, installed, 'echo', { i, text: 'hello' }, `b${i}`, { userId: 'bench' }, 5000);
    inProcess.push(performance.now() - t0);
  }

  const api = new Api(k.url, admin.token, 'bench-0');
  const overHttp: number[] = [];
  for (let i = 0; i < Math.min(calls, 1000); i++) {
    const t0 = performance.now();
    const res = await api.post('/v1/tools/echo/invoke', { arguments: { i, text: 'hello' } });
    overHttp.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`HTTP invoke failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  await new Promise((r) => setTimeout(r, 1000));
  const rss = tenantIds.map((id) => rssMb(hosts.running(id)!.pid!));

  console.log(`\nTrivial tool "echo" through the kernel (${process.env.PENNY_TEST_DB})`);
  console.log(`round trip kernel → host → isolate → back (in process): ${fmt(inProcess)}`);
  console.log(`same over HTTP (auth, RBAC, validation, audit):          ${fmt(overHttp)}`);
  console.log(`cold activation in a running host:                       ${fmt(activationOnly)}`);
  console.log(`tenant host cold start + activation + first call:        ${fmt(coldStarts)}`);
  console.log(`idle tenant host RSS, one extension active:              mean ${(rss.reduce((a, b) => a + b, 0) / rss.length).toFixed(1)} MB over ${rss.length} hosts`);
} finally {
  await k.stop();
}
process.exit(0);
