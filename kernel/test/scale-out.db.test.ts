// Two kernel instances sharing Redis: events published on one are delivered on the other, and
// rate-limit counters are shared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { EventBus } from '../src/bus/event-bus.ts';
import { RateLimiter } from '../src/ratelimit/rate-limiter.ts';
import type { KernelEvents } from '../src/bus/events.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, createTestDatabase, startTestKernel, testDb, type TestDatabase, type TestKernel } from './harness.ts';

describe('two kernels over Redis', () => {
  let one: TestKernel;
  let two: TestKernel;
  let shared: TestDatabase | undefined;

  beforeAll(async () => {
    const prefix = `penny-test-${randomBytes(4).toString('hex')}:`;
    const limits = { perUser: 6, perTenant: 1000, perAnonymousIp: 1000, windowMs: 60_000, loginFailuresPerAccount: 5, loginFailuresPerIp: 50, loginWindowMs: 60_000 };
    const config = { redisPrefix: prefix, rateLimit: limits };
    // On PostgreSQL both instances share one database, as in production; PGlite is one process's.
    shared = testDb === 'postgres' ? await createTestDatabase() : undefined;
    one = await startTestKernel({ redis: true, config: { ...config, instanceId: 'one' }, database: shared });
    two = await startTestKernel({ redis: true, config: { ...config, instanceId: 'two' }, database: shared });
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await shared?.drop();
  });

  it('delivers an event published on one instance to subscribers on the other', async () => {
    const received = new Promise<KernelEvents['tenant.created']>((resolve) => {
      const sub = two.kernel.container.get<EventBus>(EventBus).on('tenant.created', (payload) => {
        if (payload.slug === 'over-redis') {
          sub.dispose();
          resolve(payload);
        }
      });
    });
    const admin = await new Api(one.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const created = await admin.post('/v1/tenants', { slug: 'over-redis', name: 'Over Redis' });
    expect(created.status).toBe(201);
    const payload = await received;
    expect(payload.tenantId).toBe(created.body.id);
  });

  it('does not deliver an instance its own events twice', async () => {
    const seen: string[] = [];
    const bus = one.kernel.container.get<EventBus>(EventBus);
    const sub = bus.on('workspace.created', (p) => void seen.push(p.workspaceId));
    bus.emit('workspace.created', { tenantId: 't', workspaceId: 'local-once' });
    await new Promise((r) => setTimeout(r, 300));
    sub.dispose();
    expect(seen).toEqual(['local-once']);
  });

  it('counts against one rate-limit budget across instances', async () => {
    const key = `shared-${randomBytes(4).toString('hex')}`;
    const first = await one.kernel.container.get<RateLimiter>(RateLimiter).hit(key, 60_000);
    const second = await two.kernel.container.get<RateLimiter>(RateLimiter).hit(key, 60_000);
    expect([first.count, second.count]).toEqual([1, 2]);
    expect(second.resetMs).toBeGreaterThan(0);
  });

  it.runIf(testDb === 'postgres')('limits one user across instances over HTTP', async () => {
    const a = await new Api(one.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const b = new Api(two.url, a.token);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await a.get('/v1/workspaces')).status);
      statuses.push((await b.get('/v1/workspaces')).status);
    }
    expect(statuses.slice(0, 6).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(6)).toEqual([429, 429]);
  });
});
