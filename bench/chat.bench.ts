// N concurrent chats against a zero-latency local provider (it answers at once, so every
// millisecond measured is the platform's): N socket.io clients, as the workbench connects, each in
// its own conversation, ask, read the streamed answer, think, and ask again. Reported: time to
// first token as the client sees it (send → first message.delta), messages per minute, errors,
// and the memory of the kernel process and of the tenant's extension host.
//   npm run bench:chat [-- --n 100,500,2000 --seconds 30 --think 5000 --db postgres]
// --think 0 makes every client ask again at once: the platform's saturation throughput.
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, createTestDatabase, readSse, startTestKernel } from '../kernel/test/harness.ts';
import { installDirectly, repoRoot } from '../kernel/test/extension-fixtures.ts';
import { ExtensionHosts } from '../kernel/src/extensions/extension-hosts.ts';
import type { ClientsJob, ClientsReport } from './chat-clients.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100,500,2000' },
    seconds: { type: 'string', default: '30' },
    think: { type: 'string', default: '5000' },
    db: { type: 'string', default: 'postgres' },
    /** Write a CPU profile of the kernel's process covering only the measured chats. */
    profile: { type: 'string' },
  },
});
const sizes = values.n!.split(',').map(Number);
const seconds = Number(values.seconds);
const thinkMs = Number(values.think);

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);

/** User + system CPU seconds a process has used (from /proc; clock ticks are 100 Hz on Linux). */
async function cpuOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

function runClients(job: ClientsJob): Promise<ClientsReport> {
  const child = fork(path.join(import.meta.dirname, 'chat-clients.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (report) => resolve(report as ClientsReport));
    child.once('exit', (code) => reject(new Error(`the clients' process exited with ${code}`)));
    child.send(job);
  });
}

const k = await startTestKernel({
  database: await createTestDatabase(values.db as 'pglite' | 'postgres'),
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
  const hostPid = () => k.kernel.container.get(ExtensionHosts).processIds().get(tenant.body.id as string);

  const rows: string[] = [];
  for (const n of sizes) {
    const conversations: string[] = [];
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => api.post('/v1/conversations', {})));
      conversations.push(...batch.map((r) => r.body.id as string));
    }
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
    const profiler = values.profile ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const cpu0 = process.cpuUsage();
    const hostCpu0 = await cpuOf(hostPid() ?? 0);
    const report = await runClients({ url: k.url, token: admin.token!, tenant: 'bench', conversations, seconds, thinkMs });
    clearInterval(sampler);
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(`${values.profile}.n${n}.cpuprofile`, JSON.stringify(profile));
      profiler.disconnect();
    }
    const pid = hostPid();
    const hostRss = pid ? await rssOf(pid) : 0;
    const used = process.cpuUsage(cpu0);
    // CPU per answer does not depend on how busy the machine is: the figure to optimise.
    const kernelCpuMs = (used.user + used.system) / 1000 / Math.max(1, report.completed);
    const hostCpuMs = ((pid ? await cpuOf(pid) : 0) - hostCpu0) * 1000 / Math.max(1, report.completed);
    const errors = Object.values(report.errors).reduce((a, b) => a + b, 0) + (n - report.connected);
    if (errors) console.error(`N=${n} errors:`, report.errors);
    rows.push(
      [
        String(n).padStart(5),
        String(report.connected).padStart(9),
        pct(report.ttft, 50).toFixed(1).padStart(11),
        pct(report.ttft, 99).toFixed(1).padStart(11),
        ((report.completed / report.seconds) * 60).toFixed(0).padStart(12),
        String(errors).padStart(6),
        (peakRss / 2 ** 20).toFixed(0).padStart(13),
        (hostRss / 2 ** 20).toFixed(0).padStart(11),
        kernelCpuMs.toFixed(2).padStart(14),
        hostCpuMs.toFixed(2).padStart(12),
      ].join(' '),
    );
  }
  console.log(`\nConcurrent chats over socket.io, zero-latency local provider, database ${values.db}; each client thinks ${thinkMs} ms (±50%) between answers; ${seconds} s per row`);
  console.log('    N connected TTFT p50 ms TTFT p99 ms messages/min errors kernel RSS MB host RSS MB kernel CPU ms/msg host CPU ms/msg');
  for (const row of rows) console.log(row);
} finally {
  await k.stop();
}
process.exit(0);
