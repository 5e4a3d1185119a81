// Sidecars end to end: the real llama-cpp extension streams tokens from the test GGUF model through
// its sidecar, the isolate, the kernel and SSE to the client; the supervisor starts sidecars lazily,
// restarts them after a crash, stops them with their tenant's host and with the kernel, keeps them on
// loopback and under their memory limit; an isolate reaches its own sidecar and nothing else.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/database/database.service.ts';
import { ExtensionHosts } from '../src/extensions/extension-hosts.ts';
import { Sidecars } from '../src/sidecars/sidecars.service.ts';
import { listeningSockets } from '../src/sidecars/proc.ts';
import { alive, sidecarBuiltins, startSidecarKernel, until } from '../../extensions/test/llama-cpp-fixtures.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { accept, auditEvents } from './marketplace.fixtures.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, readSse, type SseEvent, type TestKernel } from './harness.ts';

const LLAMA = 'penny.llama-cpp';
const PROBER = 'penny.prober';
/** What a sidecar's environment may hold: nothing of the kernel's own. */
const SIDECAR_ENV = ['NODE_PATH', 'PATH', 'PENNY_SIDECAR_ID', 'PENNY_SIDECAR_PARENT_PID', 'PENNY_SIDECAR_PORT', 'PENNY_SIDECAR_TOKEN'];
/** The answer to "Once upon a time" at temperature 0, the same every time (set by the first test). The
 * exact text depends on the system prompt; the sidecar's own suite pins a golden prefix. */
let firstAnswer = '';

async function environKeys(pid: number): Promise<string[]> {
  const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
  return environ
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(0, entry.indexOf('=')))
    .sort();
}

describe('sidecars', () => {
  let builtins: string;
  let k: TestKernel;
  let api: Api;
  let demoId: string;
  let sidecars: Sidecars;
  let stopped = false;

  beforeAll(async () => {
    builtins = await sidecarBuiltins();
    k = await startSidecarKernel(builtins);
    api = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    const [demo] = await k.kernel.container.get<Database>(Database).query<{ id: string }>(`SELECT id FROM tenant WHERE slug = 'demo'`);
    demoId = demo!.id;
    sidecars = k.kernel.container.get(Sidecars);
    // Reproducible answers, short enough to keep the suite quick.
    const set = await api.request('PUT', `/v1/extensions/${LLAMA}/configuration`, { values: { temperature: 0, maxTokens: 48 } });
    expect(set.status).toBe(204);
  });
  afterAll(async () => {
    if (!stopped) await k?.stop();
    await fs.rm(builtins, { recursive: true, force: true });
  });

  async function ask(conversationId: string, content: string, onEvent?: (e: SseEvent, events: SseEvent[]) => void): Promise<SseEvent[]> {
    const res = await fetch(`${k.url}/v1/chat/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'demo', 'content-type': 'application/json' },
      body: JSON.stringify({ content, provider: 'llama-cpp', model: 'local' }),
    });
    expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
    const events: SseEvent[] = [];
    await readSse(res, (e) => {
      events.push(e);
      onEvent?.(e, events);
    });
    return events;
  }

  const deltas = (events: SseEvent[]) => events.filter((e) => e.event === 'message.delta').map((e) => e.data.data.delta as string);
  const probe = async (url: string) => (await api.post('/v1/tools/probe/invoke', { arguments: { url } })).body.content;

  /** Asks the running sidecar for its own counters, with the token the kernel gave it. */
  async function llamaStats(
    tenantId = demoId,
  ): Promise<{ generating: number; completions: number; last: { finishReason: string; outputTokens: number } | null }> {
    const port = sidecars.status(tenantId, LLAMA, 'llama')!.port;
    const own = await sidecars.connect(tenantId, LLAMA, port);
    if (own.kind !== 'own') throw new Error('not the llama sidecar');
    return (await fetch(`http://127.0.0.1:${own.port}/healthz`, { headers: { 'x-penny-sidecar-token': own.token } })).json() as never;
  }

  it('streams real tokens from the local model to the client, starting the sidecar on first use', async () => {
    expect(sidecars.status(demoId, LLAMA, 'llama')?.pid ?? null).toBeNull();
    const c = (await api.post('/v1/conversations', {})).body;
    const events = await ask(c.id, 'Once upon a time');
    const last = events.at(-1)!;
    expect(last.event, JSON.stringify(last.data)).toBe('message.completed');
    const pieces = deltas(events);
    expect(pieces.length).toBeGreaterThan(5);
    expect(last.data.data).toMatchObject({ provider: 'llama-cpp', model: 'local' });
    expect(last.data.data.content).toBe(pieces.join(''));
    // Temperature 0: the same question in another conversation gets the same answer.
    const again = await ask((await api.post('/v1/conversations', {})).body.id, 'Once upon a time');
    expect(again.at(-1)!.data.data.content).toBe(last.data.data.content);
    firstAnswer = last.data.data.content;
    expect((await auditEvents(api, 'sidecar.started')).map((e) => e.target)).toContain(`sidecar:${LLAMA}/llama`);
  });

  it('runs the sidecar on loopback only, in its bundle directory, without the kernel environment', async () => {
    const status = sidecars.status(demoId, LLAMA, 'llama')!;
    expect(status.pid).toBeGreaterThan(0);
    const sockets = await listeningSockets(status.pid!);
    expect(sockets).toEqual([{ address: '127.0.0.1', port: status.port }]);
    expect(await environKeys(status.pid!)).toEqual(SIDECAR_ENV);
    const cwd = await fs.readlink(`/proc/${status.pid}/cwd`);
    expect(cwd.startsWith(path.join(k.db.dataDir, 'sidecars', 'bundles'))).toBe(true);
    // Without the token the kernel holds, nothing on this machine can use it.
    expect((await fetch(`http://127.0.0.1:${status.port}/healthz`)).status).toBe(401);
  });

  it('stops the generation when the answer is cancelled', async () => {
    // Generation that would run for 1,800 tokens: well beyond the moment of the cancel.
    expect(
      (await api.request('PUT', `/v1/extensions/${LLAMA}/configuration`, { values: { temperature: 0, maxTokens: 1800, ignoreEos: true } }))
        .status,
    ).toBe(204);
    try {
      const c = (await api.post('/v1/conversations', {})).body;
      let cancelled = false;
      const events = await ask(c.id, 'Once upon a time', (e) => {
        if (!cancelled && e.event === 'message.delta') {
          cancelled = true;
          void api.post(`/v1/chat/${c.id}/cancel`);
        }
      });
      expect(events.at(-1)!.event).toBe('message.cancelled');
      const stats = await until(async () => {
        const now = await llamaStats();
        return now.generating === 0 && now.last ? now : undefined;
      }, 'the generation to end');
      expect(stats.last).toMatchObject({ finishReason: 'cancelled' });
      expect(stats.last!.outputTokens).toBeLessThan(1800);
    } finally {
      await api.request('PUT', `/v1/extensions/${LLAMA}/configuration`, { values: { temperature: 0, maxTokens: 48 } });
    }
  });

  it('restarts a killed sidecar on the next call and audits the crash', async () => {
    const before = sidecars.status(demoId, LLAMA, 'llama')!;
    // The configuration change above left the isolate; the sidecar itself may still run.
    const pid =
      before.pid ??
      (await ask((await api.post('/v1/conversations', {})).body.id, 'Once upon a time'), sidecars.status(demoId, LLAMA, 'llama')!.pid!);
    process.kill(pid, 'SIGKILL');
    await until(() => sidecars.status(demoId, LLAMA, 'llama')!.lastExit?.end === 'crashed', 'the crash to be noticed');
    const events = await ask((await api.post('/v1/conversations', {})).body.id, 'Once upon a time');
    expect(events.at(-1)!.event, JSON.stringify(events.at(-1)!.data)).toBe('message.completed');
    expect(events.at(-1)!.data.data.content).toBe(firstAnswer);
    const after = sidecars.status(demoId, LLAMA, 'llama')!;
    expect(after.pid).not.toBe(pid);
    expect(after.port).toBe(before.port);
    expect(await auditEvents(api, 'sidecar.crashed')).toEqual(
      expect.arrayContaining([expect.objectContaining({ target: `sidecar:${LLAMA}/llama`, outcome: 'failure' })]),
    );
  });

  it('lets an isolate reach its own sidecar and no other port on loopback', async () => {
    const echo = (await api.post('/v1/tools/sidecar_url/invoke', { arguments: { id: 'echo' } })).body.content.url as string;
    expect(echo).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const own = await probe(`${echo}/hello?x=1`);
    expect(own.status, JSON.stringify(own)).toBe(200);
    const seen = JSON.parse(own.body);
    // The parent pid is for the preload, which takes it out of the environment again.
    expect(seen).toMatchObject({ path: '/hello?x=1', env: SIDECAR_ENV.filter((name) => name !== 'PENNY_SIDECAR_PARENT_PID') });
    // The same sidecar by another loopback name.
    expect((await probe(echo.replace('127.0.0.1', 'localhost'))).status).toBe(200);
    const llamaPort = sidecars.status(demoId, LLAMA, 'llama')!.port;
    for (const url of [`http://127.0.0.1:${llamaPort}/healthz`, `http://localhost:${llamaPort}/healthz`]) {
      expect((await probe(url)).error).toMatchObject({
        code: 'EgressDenied',
        message: expect.stringContaining("another extension's sidecar"),
      });
    }
    const kernelPort = new URL(k.url).port;
    expect((await probe(`http://127.0.0.1:${kernelPort}/v1/health`)).error).toMatchObject({ code: 'EgressDenied' });
    const undeclared = await api.post('/v1/tools/sidecar_url/invoke', { arguments: { id: 'llama' } });
    expect(undeclared.status).toBe(502);
  });

  it('needs the sidecar accepted at install, and keeps tenants apart', async () => {
    const platform = new Api(k.url, api.token);
    expect((await platform.post('/v1/tenants', { slug: 'other', name: 'Other' })).status).toBe(201);
    const other = new Api(k.url, api.token, 'other');
    const refused = await other.post('/v1/extensions/install', { extensionId: LLAMA });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'permissions_not_accepted', required: { sidecars: ['llama'] } });
    expect(
      (await other.post('/v1/extensions/install', { extensionId: LLAMA, acceptPermissions: accept({ sidecars: ['llama'] }) })).status,
    ).toBe(201);
    expect(
      (
        await other.post('/v1/extensions/install', {
          extensionId: PROBER,
          acceptPermissions: accept({ sidecars: ['echo', 'wide', 'hog'] }),
        })
      ).status,
    ).toBe(201);
    expect(
      (await other.request('PUT', `/v1/extensions/${LLAMA}/configuration`, { values: { temperature: 0, maxTokens: 48 } })).status,
    ).toBe(204);
    const [row] = await k.kernel.container.get<Database>(Database).query<{ id: string }>(`SELECT id FROM tenant WHERE slug = 'other'`);
    const otherId = row!.id;

    const c = (await other.post('/v1/conversations', {})).body;
    const res = await fetch(`${k.url}/v1/chat/${c.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'other', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Once upon a time', provider: 'llama-cpp', model: 'local' }),
    });
    const events: SseEvent[] = [];
    await readSse(res, (e) => void events.push(e));
    expect(events.at(-1)!.event).toBe('message.completed');
    const mine = sidecars.status(otherId, LLAMA, 'llama')!;
    const theirs = sidecars.status(demoId, LLAMA, 'llama')!;
    expect(mine.pid).toBeGreaterThan(0);
    expect(mine.pid).not.toBe(theirs.pid);
    expect(mine.port).not.toBe(theirs.port);
    // The other tenant's prober cannot reach the demo tenant's sidecars, whatever its own.
    const echoOfDemo = sidecars.status(demoId, PROBER, 'echo')!.port;
    for (const port of [theirs.port, echoOfDemo]) {
      const answer = (await other.post('/v1/tools/probe/invoke', { arguments: { url: `http://127.0.0.1:${port}/` } })).body.content;
      expect(answer.error).toMatchObject({ code: 'EgressDenied', message: expect.stringContaining("another extension's sidecar") });
    }
  });

  it('kills a sidecar that listens beyond loopback and gives up on it', async () => {
    const wide = (await api.post('/v1/tools/sidecar_url/invoke', { arguments: { id: 'wide' } })).body.content.url as string;
    const answer = await probe(wide);
    expect(answer.error?.message ?? '', JSON.stringify(answer)).toContain('listens on 0.0.0.0');
    const status = sidecars.status(demoId, PROBER, 'wide')!;
    expect(status).toMatchObject({ pid: null, lastExit: { end: 'notLoopback' }, gaveUp: expect.stringContaining('0.0.0.0') });
    expect((await probe(wide)).error?.message).toContain('given up');
    expect((await auditEvents(api, 'sidecar.gaveUp')).map((e) => e.target)).toContain(`sidecar:${PROBER}/wide`);
  });

  it('kills a sidecar whose resident memory goes over its limit', async () => {
    const hog = (await api.post('/v1/tools/sidecar_url/invoke', { arguments: { id: 'hog' } })).body.content.url as string;
    expect((await probe(hog)).status).toBe(200);
    await probe(`${hog}/grow`);
    const status = await until(() => {
      const now = sidecars.status(demoId, PROBER, 'hog')!;
      return now.lastExit ? now : undefined;
    }, 'the memory watchdog');
    expect(status.lastExit).toMatchObject({ end: 'memory', detail: expect.stringContaining('over its limit of 96 MB') });
    // The next call starts it again.
    expect((await probe(hog)).status).toBe(200);
  });

  it('stops sidecars when their extension is disabled or their tenant host goes', async () => {
    await probe((await api.post('/v1/tools/sidecar_url/invoke', { arguments: { id: 'echo' } })).body.content.url);
    const echoPid = sidecars.status(demoId, PROBER, 'echo')!.pid!;
    expect((await api.post(`/v1/extensions/${PROBER}/disable`)).status).toBeLessThan(300);
    await until(() => !alive(echoPid), 'the disabled extension to lose its sidecar');
    // The stop is audited once the process has gone: wait for the record.
    await until(async () => (await auditEvents(api, 'sidecar.stopped')).some((e) => e.target === `sidecar:${PROBER}/echo`) || null, 'the stop to be audited');

    await ask((await api.post('/v1/conversations', {})).body.id, 'Once upon a time');
    const llamaPid = sidecars.status(demoId, LLAMA, 'llama')!.pid!;
    k.kernel.container.get(ExtensionHosts).running(demoId)!.kill('test');
    await until(() => !alive(llamaPid), 'the sidecar to go with its tenant host');
  });

  it('stops every sidecar with the kernel', async () => {
    const [row] = await k.kernel.container.get<Database>(Database).query<{ id: string }>(`SELECT id FROM tenant WHERE slug = 'other'`);
    const pid = sidecars.status(row!.id, LLAMA, 'llama')!.pid!;
    expect(alive(pid)).toBe(true);
    await k.stop();
    stopped = true;
    expect(alive(pid)).toBe(false);
  });

  it('leaves no sidecar behind when the kernel is killed outright', async () => {
    // A stand-in parent starts a sidecar the way the supervisor does, then dies by SIGKILL.
    const preload = fileURLToPath(new URL('../src/sidecars/sidecar-preload.mjs', import.meta.url));
    const child = `require('node:child_process').spawn(process.execPath, ['--import', ${JSON.stringify(preload)}, '-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, PENNY_SIDECAR_PARENT_PID: String(process.pid) } }).pid`;
    const parent = spawn(process.execPath, ['-e', `console.log(${child}); setInterval(() => {}, 1000)`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await until(() => !alive(pid), 'the orphaned sidecar to leave', 10_000);
  });
});
