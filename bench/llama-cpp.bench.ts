// The local model path, client to token: POST /v1/chat/:id/messages (SSE) → kernel → extension host
// → isolate → penny.fetch → llama-cpp sidecar (node-llama-cpp, stories260K.gguf, threads 1).
// - cold time to first token (the first question starts the host, the isolate and the sidecar),
// - warm time to first token, p50 over several questions,
// - tokens per second of a long answer (1,500 tokens, generation past end of text), as the client
//   sees them, and the sidecar's peak resident memory.
//   node --no-node-snapshot --import tsx bench/llama-cpp.bench.ts [-- --runs 10]
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Database } from '../kernel/src/database/database.service.ts';
import { Sidecars } from '../kernel/src/sidecars/sidecars.service.ts';
import { rssBytes } from '../kernel/src/sidecars/proc.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, readSse } from '../kernel/test/harness.ts';
import { sidecarBuiltins, startSidecarKernel } from '../extensions/test/llama-cpp-fixtures.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const LONG = 1500;

process.env.PENNY_TEST_DB ??= 'pglite';
const builtins = await sidecarBuiltins();
const k = await startSidecarKernel(builtins);
try {
  const api = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
  const configure = (values: object) =>
    api.request('PUT', '/v1/extensions/penny.llama-cpp/configuration', { values: { temperature: 0, threads: 1, ...values } });
  const [demo] = await k.kernel.container.get<Database>(Database).query<{ id: string }>(`SELECT id FROM tenant WHERE slug = 'demo'`);

  /** One question: ms to the first delta, ms to the end, characters received. */
  async function ask(): Promise<{ firstMs: number; totalMs: number; chars: number }> {
    const c = (await api.post('/v1/conversations', {})).body;
    const began = performance.now();
    const res = await fetch(`${k.url}/v1/chat/${c.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'demo', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Once upon a time', provider: 'llama-cpp', model: 'local' }),
    });
    let firstMs = 0;
    let chars = 0;
    await readSse(res, (e) => {
      if (e.event !== 'message.delta') return;
      firstMs ||= performance.now() - began;
      chars += String(e.data.data.delta).length;
    });
    return { firstMs, totalMs: performance.now() - began, chars };
  }

  await configure({ maxTokens: 64 });
  const cold = await ask();
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) warm.push((await ask()).firstMs);
  warm.sort((a, b) => a - b);

  await configure({ maxTokens: LONG, ignoreEos: true });
  const long = await ask();
  const sidecars = k.kernel.container.get(Sidecars);
  const status = sidecars.status(demo!.id, 'penny.llama-cpp', 'llama')!;
  const own = await sidecars.connect(demo!.id, 'penny.llama-cpp', status.port);
  const stats =
    own.kind === 'own'
      ? ((await (await fetch(`http://127.0.0.1:${own.port}/healthz`, { headers: { 'x-penny-sidecar-token': own.token } })).json()) as {
          last: { outputTokens: number };
        })
      : undefined;
  const tokens = stats?.last.outputTokens ?? 0;
  const rss = status.pid ? await rssBytes(status.pid) : undefined;

  console.log(`cold time to first token (host + isolate + sidecar start): ${cold.firstMs.toFixed(0)} ms`);
  console.log(
    `warm time to first token: p50 ${warm[Math.floor(warm.length / 2)]!.toFixed(1)} ms, min ${warm[0]!.toFixed(1)} ms (n=${warm.length})`,
  );
  console.log(
    `long answer: ${tokens} tokens in ${long.totalMs.toFixed(0)} ms → ${((tokens / (long.totalMs - long.firstMs)) * 1000).toFixed(0)} tokens/s after the first (client side)`,
  );
  console.log(
    `sidecar resident memory: ${rss ? (rss / 1048576).toFixed(0) : '?'} MB now, peak ${(status.peakRssBytes / 1048576).toFixed(0)} MB`,
  );
} finally {
  await k.stop();
  await fs.rm(builtins, { recursive: true, force: true });
}
