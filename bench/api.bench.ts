// Throughput and latency of an authenticated read route (GET /v1/workspaces with a personal access
// token: authentication, tenant resolution, RBAC, rate limit, an RLS transaction, serialization),
// on the embedded PGlite and on PostgreSQL.
//   npm run bench:api [-- --seconds 10 --concurrency 16]
import { parseArgs } from 'node:util';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, createTestDatabase, startTestKernel } from '../kernel/test/harness.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, concurrency: { type: 'string', default: '16' }, db: { type: 'string', default: 'pglite,postgres' } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(kind: 'pglite' | 'postgres') {
  const db = await createTestDatabase(kind);
  const k = await startTestKernel({
    database: db,
    config: { rateLimit: { perUser: 1e9, perTenant: 1e9, perAnonymousIp: 1e9, windowMs: 60_000, loginFailuresPerAccount: 5, loginFailuresPerIp: 50, loginWindowMs: 60_000 } },
  });
  try {
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    const token = (await admin.post('/v1/tokens', { name: 'bench', roles: ['viewer'] })).body.token as string;
    const url = `${k.url}/v1/workspaces`;
    const headers = { authorization: `Bearer ${token}` };
    // Warm up connections, JIT and caches.
    for (let i = 0; i < 200; i++) await (await fetch(url, { headers })).arrayBuffer();
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const res = await fetch(url, { headers });
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status !== 200) errors++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { kind, requests: latencies.length, rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
  } finally {
    await k.stop();
    await db.drop();
  }
}

const rows = [];
for (const kind of values.db!.split(',') as ('pglite' | 'postgres')[]) rows.push(await measure(kind));
console.log(`\nGET /v1/workspaces with a personal access token, ${concurrency} concurrent clients, ${seconds} s each`);
console.log('database   requests   req/s    p50 ms   p99 ms   errors');
for (const r of rows) {
  console.log(
    `${r.kind.padEnd(9)} ${String(r.requests).padStart(9)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(8)}`,
  );
}
process.exit(0);
