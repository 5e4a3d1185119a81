// Ask, act, see with each hosted provider, end to end: the built-in openai, anthropic and ollama
// extensions (their official SDKs, in isolates) talk to loopback servers that speak each service's
// wire format, scripted to call get_company_kpis. A question leads to the tool call, a Vega-Lite
// chart artifact and a streamed final answer, over Server-Sent Events and over the socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { FakeAnthropic } from '../../extensions/test/fake-anthropic.ts';
import { FakeOllama } from '../../extensions/test/fake-ollama.ts';
import { FakeOpenAI } from '../../extensions/test/fake-openai.ts';
import type { FakeModelServer } from '../../extensions/test/fake-server.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, readSse, startTestKernel, type TestKernel } from './harness.ts';
import { installDirectly, repoRoot } from './extension-fixtures.ts';

interface Event {
  type: string;
  data: Record<string, unknown>;
}

const VEGA_LITE = 'application/vnd.vegalite.v5+json';

describe('the KPI question with each hosted provider', () => {
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let ollama: FakeOllama;
  let k: TestKernel;
  let api: Api;

  beforeAll(async () => {
    [openai, anthropic, ollama] = await Promise.all([FakeOpenAI.start({ apiKey: 'sk-openai' }), FakeAnthropic.start({ apiKey: 'sk-ant' }), FakeOllama.start()]);
    k = await startTestKernel({
      config: {
        demoTenant: false,
        providers: { openaiApiKey: 'sk-openai', openaiBaseUrl: openai.baseUrl, anthropicApiKey: 'sk-ant', anthropicBaseUrl: anthropic.baseUrl, ollamaHost: ollama.baseUrl } as never,
      },
    });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await admin.post('/v1/tenants', { slug: 'hosted', name: 'Hosted Models' });
    api = new Api(k.url, admin.token, 'hosted');
    expect((await api.post('/v1/datasources/company/seed', { seed: 7, months: 12, endMonth: '2026-11' })).status).toBe(200);
    for (const name of ['openai', 'anthropic', 'ollama', 'company-kpis']) await installDirectly(k.kernel, tenant.body.id, path.join(repoRoot, 'extensions', name));
  });
  afterAll(async () => {
    await k?.stop();
    await Promise.all([openai?.close(), anthropic?.close(), ollama?.close()]);
  });

  const providers = [
    { provider: 'openai', model: 'gpt-4o-mini', server: () => openai as FakeModelServer },
    { provider: 'anthropic', model: 'claude-haiku-4-5', server: () => anthropic as FakeModelServer },
    { provider: 'ollama', model: 'llama3.2', server: () => ollama as FakeModelServer },
  ];

  function script(server: FakeModelServer, provider: string): void {
    server.script(
      { text: 'Let me check.', toolCalls: [{ id: `call_${provider}`, name: 'get_company_kpis', arguments: { period: 'QTD', unit: 'company' } }] },
      { text: ['The quarter ', 'is on ', 'budget.'] },
    );
  }

  function expectKpiTurn(events: Event[], provider: string): void {
    const types = events.map((e) => e.type);
    expect(types.at(-1), JSON.stringify(events.at(-1))).toBe('message.completed');
    expect(events.find((e) => e.type === 'toolCall.requested')!.data).toMatchObject({ name: 'get_company_kpis' });
    expect(events.find((e) => e.type === 'toolCall.finished')!.data).toMatchObject({ name: 'get_company_kpis', ok: true });
    const artifacts = events.filter((e) => e.type === 'artifact.created').map((e) => e.data);
    expect(artifacts.map((a) => a.mimeType)).toContain(VEGA_LITE);
    expect(types.filter((t) => t === 'message.delta').length).toBeGreaterThanOrEqual(3);
    expect(events.at(-1)!.data).toMatchObject({ content: 'The quarter is on budget.', provider });
  }

  /** The tool's result went back to the service in its own format, with the chart named. */
  function expectToolResultSent(server: FakeModelServer): void {
    const body = JSON.stringify(server.requests.filter((r) => r.method === 'POST').at(-1)!.body);
    expect(body).toContain('get_company_kpis');
    expect(body).toContain('vnd.vegalite.v5+json');
  }

  for (const { provider, model, server } of providers) {
    it(`${provider}: over Server-Sent Events`, async () => {
      script(server(), provider);
      const conversation = (await api.post('/v1/conversations', {})).body;
      const res = await fetch(`${k.url}/v1/chat/${conversation.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'hosted', 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ content: 'How are our KPIs this quarter?', provider, model }),
      });
      expect(res.status).toBe(200);
      const events: Event[] = [];
      await readSse(res, (e) => void events.push({ type: e.event!, data: e.data.data }));
      expectKpiTurn(events, provider);
      expectToolResultSent(server());
    });

    it(`${provider}: over the socket`, async () => {
      script(server(), provider);
      const conversation = (await api.post('/v1/conversations', {})).body;
      const socket: Socket = connect(k.url, { path: '/socket.io', transports: ['websocket'], auth: { token: api.token, tenant: 'hosted' }, reconnection: false });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        expect((await socket.timeout(20_000).emitWithAck('subscribe', { conversationId: conversation.id })).ok).toBe(true);
        const events: Event[] = [];
        const done = new Promise<void>((resolve) =>
          socket.on('chat.event', (e: Event) => {
            events.push(e);
            if (['message.completed', 'message.error', 'message.cancelled'].includes(e.type)) resolve();
          }),
        );
        const ack = await socket.timeout(20_000).emitWithAck('send', { conversationId: conversation.id, content: 'How are our KPIs this quarter?', provider, model });
        expect(ack.ok, JSON.stringify(ack)).toBe(true);
        await done;
        expectKpiTurn(events, provider);
        expectToolResultSent(server());
      } finally {
        socket.close();
      }
    });
  }
});
