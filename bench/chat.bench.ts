// N concurrent streaming chats against a zero-latency local provider (it answers at once, so what
// is measured is the platform): time to first token as the client sees it (POST → first
// message.delta over SSE), messages per minute, errors, and the kernel process's memory.
//   npm run bench:chat [-- --n 100,500,2000 --db postgres]
import { parseArgs } from 'node:util';
import path from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, readSse, startTestKernel } from '../kernel/test/harness.ts';
import { installDirectly, repoRoot } from '../kernel/test/extension-fixtures.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100,500,2000' }, db: { type: 'string', default: 'postgres' } } });
const sizes = values.n!.split(',').map(Number);
process.env.PENNY_TEST_DB = values.db;
// Every chat holds its own connection for the whole stream.
setGlobalDispatcher(new Agent({ connections: 4096, pipelining: 0, keepAliveTimeout: 60_000 }));

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);

const k = await startTestKernel({
  config: {
    databasePoolSize: 20,
    rateLimit: { perUser: 1e9, perTenant: 1e9, perAnonymousIp: 1e9, windowMs: 60_000, loginFailuresPerAccount: 5, loginFailuresPerIp: 50, loginWindowMs: 60_000 },
  },
});
try {
  const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const tenant = await admin.post('/v1/tenants', { slug: 'bench', name: 'Bench' });
  await installDirectly(k.kernel, tenant.body.id, path.join(repoRoot, 'kernel/test/fixtures/scripted-llm'));
  const api = new Api(k.url, admin.token, 'bench');
  const headers = { authorization: `Bearer ${admin.token}`, 'x-penny-tenant': 'bench', 'content-type': 'application/json', accept: 'text/event-stream' };
  // Warm the host, the isolate and the code paths.
  const warm = (await api.post('/v1/conversations', {})).body.id as string;
  for (let i = 0; i < 20; i++) {
    await readSse(await fetch(`${k.url}/v1/chat/${warm}/messages`, { method: 'POST', headers, body: JSON.stringify({ content: `warm ${i}` }) }), () => true);
  }

  const rows: string[] = [];
  for (const n of sizes) {
    const conversations: string[] = [];
    for (let i = 0; i < n; i++) conversations.push((await api.post('/v1/conversations', {})).body.id);
    const ttft: number[] = [];
    let errors = 0;
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const started = performance.now();
    await Promise.all(
      conversations.map(async (id) => {
        const t0 = performance.now();
        let first: number | null = null;
        let ok = false;
        try {
          const res = await fetch(`${k.url}/v1/chat/${id}/messages`, { method: 'POST', headers, body: JSON.stringify({ content: 'hello there' }) });
          if (res.status !== 200) throw new Error(String(res.status));
          await readSse(res, (e) => {
            if (e.event === 'message.delta' && first === null) first = performance.now() - t0;
            if (e.event === 'message.completed') ok = true;
          });
        } catch {
          ok = false;
        }
        if (ok && first !== null) ttft.push(first);
        else errors++;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    rows.push(
      `${String(n).padStart(5)} ${pct(ttft, 50).toFixed(1).padStart(10)} ${pct(ttft, 99).toFixed(1).padStart(10)} ${((ttft.length / seconds) * 60).toFixed(0).padStart(12)} ${String(errors).padStart(7)} ${(peakRss / 2 ** 20).toFixed(0).padStart(9)}`,
    );
  }
  console.log(`\nConcurrent streaming chats, zero-latency local provider, database ${values.db}, clients in the kernel's process`);
  console.log('    N  TTFT p50 ms  TTFT p99 ms  messages/min  errors  RSS MB');
  for (const row of rows) console.log(row);
} finally {
  await k.stop();
}
process.exit(0);
