// The built-in OpenAI provider end to end through the kernel, against a loopback server that speaks
// OpenAI's wire format: configured by the operator's environment, a question leads to a tool call, a
// table artifact and a streamed final answer; without a key or address the provider is not offered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FakeOpenAI } from '../../extensions/test/fake-openai.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, readSse, startTestKernel, type SseEvent, type TestKernel } from './harness.ts';
import { installDirectly, repoRoot } from './extension-fixtures.ts';

describe('OpenAI provider through the kernel', () => {
  let fake: FakeOpenAI;
  let k: TestKernel;
  let api: Api;
  let unconfigured: TestKernel;

  beforeAll(async () => {
    fake = await FakeOpenAI.start({ apiKey: 'sk-operator-key' });
    k = await startTestKernel({ config: { demoTenant: false, providers: { openaiApiKey: 'sk-operator-key', openaiBaseUrl: fake.baseUrl } as never } });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await admin.post('/v1/tenants', { slug: 'ai', name: 'AI Co' });
    await installDirectly(k.kernel, tenant.body.id, path.join(repoRoot, 'extensions/openai'));
    await installDirectly(k.kernel, tenant.body.id, path.join(repoRoot, 'extensions/echo-table'));
    api = new Api(k.url, admin.token, 'ai');
  });
  afterAll(async () => {
    await k?.stop();
    await unconfigured?.stop();
    await fake?.close();
  });

  async function ask(conversationId: string, content: string): Promise<SseEvent[]> {
    const res = await fetch(`${k.url}/v1/chat/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'ai', 'content-type': 'application/json' },
      body: JSON.stringify({ content, provider: 'openai', model: 'gpt-4o-mini' }),
    });
    expect(res.status, await (res.status === 200 ? Promise.resolve('') : res.clone().text())).toBe(200);
    const events: SseEvent[] = [];
    await readSse(res, (e) => void events.push(e));
    return events;
  }

  it('streams a tool call, an artifact and the final answer from OpenAI wire format', async () => {
    fake.script(
      { text: 'Building it.', toolCalls: [{ id: 'call_abc', name: 'echo_table', arguments: { title: 'Revenue', columns: ['unit', 'revenue'], rows: [['north', 10]] } }] },
      { text: ['The table ', 'has one row.'] },
    );
    const c = (await api.post('/v1/conversations', {})).body;
    const events = await ask(c.id, 'make a revenue table');
    const types = events.map((e) => e.event);
    expect(types).toContain('toolCall.requested');
    expect(types).toContain('artifact.created');
    expect(events.at(-1)).toMatchObject({ event: 'message.completed', data: { data: { content: 'The table has one row.', provider: 'openai' } } });
    // The operator's key reached the server; the tool result went back in OpenAI's format.
    const second = fake.lastRequestTo('/chat/completions');
    expect(second.headers.authorization).toBe('Bearer sk-operator-key');
    const toolMessage = second.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(toolMessage.tool_call_id).toBe('call_abc');
    expect(JSON.parse(toolMessage.content).result).toMatchObject({ rows: 1 });
    expect(second.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['echo_table']);
  });

  it('reports a provider error as a clear message error', async () => {
    fake.script({ fail: { status: 429, message: 'Rate limit reached for requests' } }, { fail: { status: 429, message: 'Rate limit reached for requests' } });
    const c = (await api.post('/v1/conversations', {})).body;
    const events = await ask(c.id, 'hello');
    expect(events.at(-1)!.event, JSON.stringify(events.map((e) => [e.event, e.data.data]))).toBe('message.error');
    expect(events.at(-1)!.data.data.detail).toMatch(/429|rate limit/i);
  });

  it('does not offer a provider that has neither key nor address', async () => {
    unconfigured = await startTestKernel({ config: { demoTenant: false } });
    const admin = await new Api(unconfigured.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await admin.post('/v1/tenants', { slug: 'none', name: 'None' });
    await installDirectly(unconfigured.kernel, tenant.body.id, path.join(repoRoot, 'extensions/openai'));
    const none = new Api(unconfigured.url, admin.token, 'none');
    const c = (await none.post('/v1/conversations', {})).body;
    const res = await none.post(`/v1/chat/${c.id}/messages`, { content: 'hello' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/No model provider is configured/);
    // Setting the address for the tenant makes it ready.
    expect((await none.request('PUT', '/v1/extensions/penny.openai/configuration', { values: { baseUrl: fake.baseUrl } })).status).toBe(204);
    expect((await none.request('PUT', '/v1/extensions/penny.openai/configuration', { values: { nope: 1 } })).status).toBe(400);
    const settings = await none.get('/v1/extensions/penny.openai/configuration');
    expect(settings.body.values).toEqual({ baseUrl: fake.baseUrl });
  });
});
