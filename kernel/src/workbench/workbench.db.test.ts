// The workbench served by a real kernel: index.html for client routes, long-cached hashed assets
// (pre-compressed when the client accepts it), the kernel's own 404s untouched, no way out of the
// build directory, and a helpful page while nothing is built.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ContainerModule } from 'inversify';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from '../../test/harness.ts';
import { WorkbenchConfig } from './workbench.config.ts';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-3f2a1b.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

describe('the workbench routes', () => {
  let k: TestKernel;
  let root: string;
  let dist: string;
  const get = (route: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${k.url}${route}`, { method, headers });

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'penny-workbench-'));
    dist = path.join(root, 'dist');
    await fs.mkdir(path.join(dist, 'assets'), { recursive: true });
    await fs.writeFile(path.join(dist, 'index.html'), INDEX);
    await fs.writeFile(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await fs.writeFile(path.join(dist, 'assets', 'app-3f2a1b.js'), SCRIPT);
    await fs.writeFile(path.join(dist, 'assets', 'app-3f2a1b.js.br'), brotliCompressSync(SCRIPT));
    await fs.writeFile(path.join(root, 'secret.txt'), 'outside the build');
    const module = new ContainerModule(({ rebind }) => {
      rebind(WorkbenchConfig).toConstantValue({ distDir: dist });
    });
    k = await startTestKernel({ modules: [module] });
  });
  afterAll(async () => {
    await k?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('serves index.html at / and for client routes asked for as HTML, always revalidated, under the CSP', async () => {
    for (const route of ['/', '/tools', '/admin/audit', '/invitations/accept']) {
      const res = await get(route, route === '/' ? {} : { accept: 'text/html,application/xhtml+xml' });
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toBe(INDEX);
    }
    expect((await get('/', {}, 'HEAD')).status).toBe(200);
  });

  it('caches hashed assets for a year and sends the pre-compressed file when accepted', async () => {
    const plain = await get('/assets/app-3f2a1b.js');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('content-type')).toMatch(/javascript/);
    expect(await plain.text()).toBe(SCRIPT);
    // fetch decodes the body itself: the same script coming back proves the .br file was sent.
    const compressed = await get('/assets/app-3f2a1b.js', { 'accept-encoding': 'br' });
    expect(compressed.headers.get('content-encoding')).toBe('br');
    expect(compressed.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(await compressed.text()).toBe(SCRIPT);
    const icon = await get('/favicon.svg');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('leaves the kernel paths and missing files to the kernel 404', async () => {
    for (const route of ['/v1/nope', '/v1', '/healthzz/x', '/metrics/x', '/docs/nope']) {
      const res = await get(route, { accept: 'text/html' });
      if (route === '/healthzz/x') {
        // Not a kernel path: a client route like any other.
        expect(res.status).toBe(200);
        continue;
      }
      expect(res.status, route).toBe(404);
      expect(res.headers.get('content-type'), route).toMatch(/problem\+json/);
    }
    const missing = await get('/assets/gone-123.js');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('not_found');
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/tools', { accept: 'application/json' })).status).toBe(404);
  });

  it('never serves a file outside the build directory', async () => {
    for (const route of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
      const res = await fetch(`${k.url}${route}`, { headers: { accept: 'text/html' } });
      expect(await res.text(), route).not.toContain('outside the build');
    }
  });

  it('explains how to build when there is no build yet', async () => {
    await fs.rm(path.join(dist, 'index.html'));
    const res = await get('/');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('npm run build -w @penny/workbench-ui');
    expect(page).not.toContain('<script');
    expect((await get('/assets/app-3f2a1b.js')).status).toBe(404);
    await fs.writeFile(path.join(dist, 'index.html'), INDEX);
    expect(await (await get('/')).text()).toBe(INDEX);
  });
});
