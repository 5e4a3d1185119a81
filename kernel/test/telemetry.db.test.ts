// The Faro collector: what the workbench is told at start, reports counted into /metrics, gzip,
// bad and oversized bodies as problem+json, and the collector closed unless PENNY_TELEMETRY=kernel
// (with an external collector, the workbench page's CSP lets it connect there instead).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTelemetryConfig } from '../src/telemetry/telemetry.config.ts';
import { loadWorkbenchConfig } from '../src/workbench/workbench.config.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';

const REPORT = {
  meta: { app: { name: 'penny-workbench', version: '1.0.0' }, session: { id: 'abc' }, user: { id: 'u1', attributes: { tenant: 'demo' } }, page: { url: 'http://x/tools' } },
  exceptions: [{ type: 'Error', value: 'boom from the page', timestamp: new Date().toISOString() }],
  measurements: [{ type: 'web-vitals', values: { lcp: 812.5, delta: 812.5 }, timestamp: new Date().toISOString() }],
  logs: [{ level: 'error', message: 'console says no', timestamp: new Date().toISOString() }],
  events: [{ name: 'session_start', timestamp: new Date().toISOString() }],
};

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/telemetry/faro`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe('front-end telemetry collector', () => {
  let k: TestKernel;

  beforeAll(async () => {
    k = await startTestKernel({ config: { telemetry: loadTelemetryConfig({ PENNY_TELEMETRY: 'kernel' }) } });
  });
  afterAll(async () => k?.stop());

  it('tells the workbench to report to the kernel', async () => {
    const res = await new Api(k.url).get('/v1/telemetry/config');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: '/v1/telemetry/faro', app: { name: 'penny-workbench', version: expect.any(String) } });
  });

  it('accepts a report (with the session cookie too) and counts it into the Prometheus metrics', async () => {
    const login = await fetch(`${k.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^penny_session=/);
    const before = await (await fetch(`${k.url}/metrics`)).text();
    const res = await post(k.url, JSON.stringify(REPORT), { cookie, 'x-penny-tenant': 'demo' });
    expect(res.status).toBe(202);
    const after = await (await fetch(`${k.url}/metrics`)).text();
    expect(metric(after, 'penny_frontend_exceptions_total') - metric(before, 'penny_frontend_exceptions_total')).toBe(1);
    expect(metric(after, 'penny_frontend_web_vitals_count{name="lcp"}') - metric(before, 'penny_frontend_web_vitals_count{name="lcp"}')).toBe(1);
    expect(metric(after, 'penny_frontend_logs_total{level="error"}') - metric(before, 'penny_frontend_logs_total{level="error"}')).toBe(1);
    expect(metric(after, 'penny_frontend_events_total')).toBeGreaterThanOrEqual(1);
  });

  it('accepts a gzip body', async () => {
    const before = metric(await (await fetch(`${k.url}/metrics`)).text(), 'penny_frontend_exceptions_total');
    const res = await post(k.url, gzipSync(JSON.stringify(REPORT)), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
    expect(metric(await (await fetch(`${k.url}/metrics`)).text(), 'penny_frontend_exceptions_total')).toBe(before + 1);
  });

  it('refuses bad bodies with 400 problem+json', async () => {
    for (const [label, body, headers] of [
      ['no meta', JSON.stringify({ exceptions: [] }), {}],
      ['exceptions not an array', JSON.stringify({ meta: {}, exceptions: 'boom' }), {}],
      ['not JSON', '{"meta": ', {}],
      ['not gzip', 'plain text', { 'content-encoding': 'gzip' }],
      ['unknown encoding', JSON.stringify(REPORT), { 'content-encoding': 'br' }],
    ] as const) {
      const res = await post(k.url, body, headers);
      expect(res.status, label).toBe(400);
      expect(res.type, label).toContain('application/problem+json');
    }
  });

  it('refuses oversized bodies with 413, before and after inflating', async () => {
    const big = JSON.stringify({ ...REPORT, logs: [{ level: 'info', message: 'x'.repeat(300 * 1024) }] });
    const res = await post(k.url, big);
    expect(res.status).toBe(413);
    expect(res.body?.detail).toMatch(/262144 bytes/);
    // Small on the wire, huge once inflated.
    const bomb = gzipSync(JSON.stringify({ meta: {}, logs: [{ level: 'info', message: ' '.repeat(8 * 1024 * 1024) }] }));
    expect(bomb.length).toBeLessThan(256 * 1024);
    const inflated = await post(k.url, bomb, { 'content-encoding': 'gzip' });
    expect(inflated.status).toBe(413);
    expect(inflated.type).toContain('application/problem+json');
  });
});

describe('front-end telemetry off or external', () => {
  let off: TestKernel;
  let external: TestKernel;
  let dist: string;

  beforeAll(async () => {
    dist = await fs.mkdtemp(path.join(os.tmpdir(), 'penny-dist-'));
    await fs.writeFile(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
    off = await startTestKernel();
    const env = { PENNY_TELEMETRY: 'https://faro.example.com/collect', PENNY_WORKBENCH_DIR: dist };
    external = await startTestKernel({ config: { telemetry: loadTelemetryConfig(env), workbench: loadWorkbenchConfig(env) } });
  });
  afterAll(async () => {
    await Promise.all([off?.stop(), external?.stop()]);
    if (dist) await fs.rm(dist, { recursive: true, force: true });
  });

  it('is off by default: no collector URL and the collector answers 404', async () => {
    expect((await new Api(off.url).get('/v1/telemetry/config')).body.url).toBeNull();
    const res = await post(off.url, JSON.stringify(REPORT));
    expect(res.status).toBe(404);
    expect(res.type).toContain('application/problem+json');
  });

  it('with an external collector, points the workbench there and lets the page connect to it', async () => {
    expect((await new Api(external.url).get('/v1/telemetry/config')).body.url).toBe('https://faro.example.com/collect');
    expect((await post(external.url, JSON.stringify(REPORT))).status).toBe(404);
    const page = await fetch(`${external.url}/tools`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self' https://faro.example.com");
    expect(csp).toContain("script-src 'self'");
  });
});
