// The browser side of an installed extension over HTTP: its renderer frame document carries a CSP
// that allows exactly its own inline scripts (by hash) and sandboxes it; its files are served inert;
// other tenants and strangers get nothing.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from '../../test/harness.ts';
import { installIframeRendererFixture } from '../../../workbench-ui/test/fixtures/iframe-renderer/install.ts';

const ID = 'penny-test.test-cards';

describe('extension browser entries', () => {
  let k: TestKernel;
  let a: Api;
  let b: Api;

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false } });
    const platform = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenantA = (await platform.post('/v1/tenants', { slug: 'frames-a', name: 'A' })).body.id as string;
    await platform.post('/v1/tenants', { slug: 'frames-b', name: 'B' });
    await installIframeRendererFixture(k.kernel, tenantA);
    a = new Api(k.url, platform.token, 'frames-a');
    b = new Api(k.url, platform.token, 'frames-b');
  });
  afterAll(async () => k?.stop());

  it('serves the renderer frame with a hash-pinned, sandboxing CSP', async () => {
    const res = await a.get(`/v1/extensions/${ID}/renderer-frame?tenant=frames-a&renderer=cards`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox allow-scripts');
    expect(csp).toContain("frame-ancestors 'self'");
    const scriptSrc = csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith('script-src'));
    expect(scriptSrc).toMatch(/^script-src 'sha256-[A-Za-z0-9+/=]+' 'sha256-[A-Za-z0-9+/=]+'$/);
    // Exactly the document's two inline scripts are allowed.
    const scripts = [...String(res.body).matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    for (const script of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(scripts[1]).toContain('penny.onRender');
  });

  it('serves browser files inert', async () => {
    const res = await a.get(`/v1/extensions/${ID}/browser/renderer.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await a.get(`/v1/extensions/${ID}/browser/extension.js`)).status).toBe(404);
    expect((await a.get(`/v1/extensions/${ID}/browser/..%2Fmanifest.json`)).status).toBe(400);
  });

  it('refuses unknown renderers, other tenants and strangers', async () => {
    const unknown = await a.get(`/v1/extensions/${ID}/renderer-frame?tenant=frames-a&renderer=nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect((await b.get(`/v1/extensions/${ID}/renderer-frame?tenant=frames-b&renderer=cards`)).status).toBe(404);
    expect((await b.get(`/v1/extensions/${ID}/browser/renderer.js`)).status).toBe(404);
    expect((await a.get(`/v1/extensions/${ID}/renderer-frame?tenant=no-such-tenant&renderer=cards`)).status).toBe(403);
    expect((await new Api(k.url).get(`/v1/extensions/${ID}/renderer-frame?tenant=frames-a&renderer=cards`)).status).toBe(401);
    expect((await a.get(`/v1/extensions/${ID}/renderer-frame?renderer=cards`)).status).toBe(400);
  });
});
