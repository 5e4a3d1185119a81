// Sign-in for browsers and API clients: cookie flags, CSRF, sign-out, throttling, rate limits,
// and the operational endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';

function cookieOf(res: Response | { headers: Headers }): string {
  return res.headers.getSetCookie().find((c) => c.startsWith('penny_session='))!;
}

describe('sign-in and request protection', () => {
  let k: TestKernel;

  beforeAll(async () => {
    k = await startTestKernel({
      config: {
        trustProxy: true,
        rateLimit: { perUser: 40, perTenant: 1000, perAnonymousIp: 1000, windowMs: 60_000, loginFailuresPerAccount: 3, loginFailuresPerIp: 100, loginWindowMs: 60_000 },
      },
    });
  });
  afterAll(async () => k?.stop());

  const login = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${k.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('sets an HttpOnly, SameSite=Lax session cookie, Secure behind TLS', async () => {
    const plain = await login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(plain.status).toBe(200);
    const cookie = cookieOf(plain);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const tls = await login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(cookieOf(tls)).toMatch(/Secure/i);
  });

  it('requires the CSRF token for cookie-authenticated writes, and signs out', async () => {
    const res = await login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = cookieOf(res).split(';')[0]!;
    const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      fetch(`${k.url}${path}`, { method, headers: { cookie, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

    expect((await call('GET', '/v1/workspaces')).status).toBe(200);
    const noCsrf = await call('POST', '/v1/workspaces', {}, { name: 'via cookie' });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { code: string }).code).toBe('csrf');
    expect((await call('POST', '/v1/workspaces', { 'x-csrf-token': 'wrong' }, { name: 'via cookie' })).status).toBe(403);
    expect((await call('POST', '/v1/workspaces', { 'x-csrf-token': csrfToken }, { name: 'via cookie' })).status).toBe(201);
    const session = (await (await call('GET', '/v1/auth/session')).json()) as { via: string; csrfToken: string };
    expect(session).toMatchObject({ via: 'cookie', csrfToken });

    const out = await call('POST', '/v1/auth/logout', { 'x-csrf-token': csrfToken }, {});
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/penny_session=;/);
    expect((await call('GET', '/v1/workspaces')).status).toBe(401);
  });

  it('signs out a bearer token', async () => {
    const api = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await api.get('/v1/auth/session')).body.via).toBe('bearer');
    expect((await api.post('/v1/auth/logout')).status).toBe(204);
    expect((await api.get('/v1/auth/session')).status).toBe(401);
  });

  it('throttles repeated failed sign-ins with 429 and Retry-After, and audits them', async () => {
    const email = 'nobody@example.test';
    for (let i = 0; i < 3; i++) expect((await login({ email, password: 'wrong password' })).status).toBe(401);
    const throttled = await login({ email, password: 'wrong password' });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // Throttling is per account: the administrator can still sign in.
    expect((await login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).status).toBe(200);
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const events = (await admin.get('/v1/platform/audit?action=auth')).body.items as { action: string; actor: string; outcome: string }[];
    expect(events.filter((e) => e.actor === email).map((e) => e.outcome)).toEqual(['denied', 'failure', 'failure', 'failure']);
  });

  it('rate-limits each user with 429 and Retry-After', async () => {
    const api = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    let last = await api.get('/v1/workspaces');
    for (let i = 0; i < 45 && last.status === 200; i++) last = await api.get('/v1/workspaces');
    expect(last.status).toBe(429);
    expect(last.body.code).toBe('rate_limited');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    // Health probes are exempt.
    expect((await api.get('/healthz')).status).toBe(200);
  });

  it('serves health, readiness, metrics and the API description', async () => {
    const api = new Api(k.url);
    expect((await api.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.get('/readyz')).body).toMatchObject({ status: 'ready', database: 'ok', pendingMigrations: [] });
    const metrics = await api.get('/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toMatch(/penny_http_requests_total\{method="GET",route="\/v1\/workspaces",status="200"\} \d+/);
    expect(metrics.body).toContain('penny_http_request_duration_seconds_bucket');
    const doc = await api.get('/docs/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/v1/auth/login');
    const page = await fetch(`${k.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });

  it('sends security headers and keeps CORS closed', async () => {
    const res = await fetch(`${k.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${k.url}/v1/workspaces`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
