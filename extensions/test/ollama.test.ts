// The `ollama` provider in a real extension host, driving the official SDK's browser build inside its
// isolate against a loopback server that speaks Ollama's wire format: NDJSON streaming, tool calls
// and tool results, usage, cancellation, the API key for ollama.com kept out of the isolate, HTTP
// errors, and embeddings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCancelNotification, PennyErrorCodes, SECRET_HANDLE_PREFIX, type ChatMessage } from '@penny/manifests';
import { TestKernel, rejectionOf, waitFor } from '../../extension-host/test/harness.ts';
import { defaultEmbedding } from './fake-server.ts';
import { FakeOllama } from './fake-ollama.ts';
import { KPI_ARGUMENTS, KPI_TOOL, chat, embed, loadProvider, startChat, textOf, toolCallsOf } from './provider-harness.ts';

const MODEL = 'llama3.2';
let kernel: TestKernel;
let fake: FakeOllama;
let ollama: string;

beforeAll(async () => {
  fake = await FakeOllama.start();
  kernel = await TestKernel.start();
  // The manifest allows Ollama's own port; the stand-in listens on another one.
  const provider = await loadProvider('ollama', ['127.0.0.1']);
  ollama = (await kernel.activate(provider, { configuration: { baseUrl: fake.baseUrl, keepAlive: '10m', models: ['qwen3:8b'] } })).extensionId;
});

afterAll(async () => {
  await kernel?.stop();
  await fake?.close();
});

const ask = (messages: ChatMessage[], extra: object = {}) => chat(kernel, ollama, 'ollama', { model: MODEL, messages, ...extra });

describe('ollama: /api/chat', () => {
  it('streams text deltas, then usage and the finish reason', async () => {
    fake.script({ text: ['Revenue', ' is', ' up.'], usage: { inputTokens: 26, outputTokens: 5 } });
    const { result, chunks } = await ask([{ role: 'system', content: 'You are Penny.' }, { role: 'user', content: 'How is revenue?' }], {
      temperature: 0.1,
      maxTokens: 128,
      stop: ['END'],
    });
    expect(chunks).toEqual([
      { type: 'text', delta: 'Revenue' },
      { type: 'text', delta: ' is' },
      { type: 'text', delta: ' up.' },
      { type: 'usage', inputTokens: 26, outputTokens: 5 },
      { type: 'done', finishReason: 'stop' },
    ]);
    expect(result).toEqual({ finishReason: 'stop', usage: { inputTokens: 26, outputTokens: 5 } });
    await expect(fake.lastRequestTo('/api/chat').ended).resolves.toBe('finished');
    expect(fake.lastRequestTo('/api/chat').body).toEqual({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are Penny.' },
        { role: 'user', content: 'How is revenue?' },
      ],
      stream: true,
      options: { temperature: 0.1, num_predict: 128, stop: ['END'] },
      keep_alive: '10m',
    });
  });

  it('reports a tool call, sent whole, as one delta with an id and JSON arguments', async () => {
    fake.script({ toolCalls: [{ name: 'get_company_kpis', arguments: KPI_ARGUMENTS }], usage: { inputTokens: 120, outputTokens: 22 } });
    const { result, chunks } = await ask([{ role: 'user', content: 'KPIs this quarter?' }], { tools: [KPI_TOOL], toolChoice: 'auto' });
    const [call] = toolCallsOf(chunks);
    expect(call).toMatchObject({ index: 0, name: 'get_company_kpis', id: expect.stringMatching(/^call_/) });
    expect(JSON.parse(call!.arguments)).toEqual(KPI_ARGUMENTS);
    expect(result).toEqual({ finishReason: 'toolCalls', usage: { inputTokens: 120, outputTokens: 22 } });
    expect(fake.lastRequestTo('/api/chat').body.tools).toEqual([
      { type: 'function', function: { name: KPI_TOOL.name, description: KPI_TOOL.description, parameters: KPI_TOOL.parameters } },
    ]);
  });

  it('sends the tool result back as a tool message named by its tool', async () => {
    fake.script({ text: ['Revenue QTD is 4.2M.'] });
    const { chunks } = await ask(
      [
        { role: 'user', content: 'KPIs this quarter?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_company_kpis', arguments: JSON.stringify(KPI_ARGUMENTS) }] },
        { role: 'tool', toolCallId: 'call_1', content: '{"revenue":4200000}' },
      ],
      { tools: [KPI_TOOL] },
    );
    expect(textOf(chunks)).toBe('Revenue QTD is 4.2M.');
    expect(fake.lastRequestTo('/api/chat').body.messages).toEqual([
      { role: 'user', content: 'KPIs this quarter?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_company_kpis', arguments: KPI_ARGUMENTS } }] },
      { role: 'tool', content: '{"revenue":4200000}', tool_name: 'get_company_kpis' },
    ]);
  });

  it('leaves the tools out for toolChoice none, and offers a named tool alone', async () => {
    const other = { ...KPI_TOOL, name: 'load_dashboard' };
    await ask([{ role: 'user', content: 'hi' }], { tools: [KPI_TOOL, other], toolChoice: 'none' });
    expect(fake.lastRequestTo('/api/chat').body.tools).toBeUndefined();
    await ask([{ role: 'user', content: 'hi' }], { tools: [KPI_TOOL, other], toolChoice: { name: 'load_dashboard' } });
    expect(fake.lastRequestTo('/api/chat').body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['load_dashboard']);
  });

  it('sends images as base64 beside the text', async () => {
    await ask([{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' }] }]);
    expect(fake.lastRequestTo('/api/chat').body.messages[0]).toEqual({ role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] });
  });

  it('chats with a model the tenant configured', async () => {
    fake.script({ text: 'hi from qwen' });
    const { chunks } = await chat(kernel, ollama, 'ollama', { model: 'qwen3:8b', messages: [{ role: 'user', content: 'hi' }] });
    expect(textOf(chunks)).toBe('hi from qwen');
    expect(fake.lastRequestTo('/api/chat').body.model).toBe('qwen3:8b');
  });

  it('stops on model/cancel: the server sees the connection close and the call ends as cancelled', async () => {
    fake.script({ stall: ['Thinking', ' about it'] });
    const run = startChat(kernel, ollama, 'ollama', { model: MODEL, messages: [{ role: 'user', content: 'Take your time.' }] });
    await waitFor(() => run.chunks().some((c) => c.type === 'text'));
    await kernel.connection.sendNotification(ModelCancelNotification, { requestId: run.requestId });
    await expect(run.result).resolves.toEqual({ finishReason: 'cancelled' });
    await expect(fake.lastRequestTo('/api/chat').ended).resolves.toBe('hungUp');
    expect(run.chunks().at(-1)).toEqual({ type: 'done', finishReason: 'cancelled' });
  });

  it.each([
    [401, 'AuthenticationError', 'unauthorized'],
    [429, 'RateLimitError', 'too many requests'],
    [500, 'InternalServerError', 'llama runner process has terminated: exit status 2'],
  ])('reports HTTP %i as %s with the server message', async (status, errorName, message) => {
    fake.script({ fail: { status, message } });
    const error = await rejectionOf(ask([{ role: 'user', content: 'hi' }]));
    expect(error.code).toBe(PennyErrorCodes.ExtensionError);
    expect(error.message).toContain(`Ollama answered HTTP ${status}: ${message}`);
    expect(error.data).toMatchObject({ extensionId: ollama, errorName });
  });

  it('says where it could not connect', async () => {
    const closed = await FakeOllama.start();
    await closed.close();
    const other = await TestKernel.start();
    try {
      const id = (await other.activate(await loadProvider('ollama', ['127.0.0.1']), { configuration: { baseUrl: closed.baseUrl } })).extensionId;
      const error = await rejectionOf(chat(other, id, 'ollama', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }));
      expect(error.message).toContain(`could not reach Ollama at ${closed.baseUrl}`);
      expect(error.data).toMatchObject({ errorName: 'APIConnectionError' });
    } finally {
      await other.stop();
    }
  });
});

describe('ollama: /api/embed', () => {
  it('embeds, in input order', async () => {
    const input = ['penny', 'company health'];
    const result = await embed(kernel, ollama, 'ollama', 'nomic-embed-text', input);
    expect(result).toEqual({ embeddings: input.map(defaultEmbedding), usage: { inputTokens: 3 } });
    expect(fake.lastRequestTo('/api/embed').body).toEqual({ model: 'nomic-embed-text', input, keep_alive: '10m' });
  });
});

describe('ollama: ollama.com with an API key', () => {
  const KEY = 'ollama-test-5e4d3c2b1a';
  let cloud: FakeOllama;
  let tenant: TestKernel;
  let id: string;

  beforeAll(async () => {
    cloud = await FakeOllama.start({ apiKey: KEY });
    tenant = await TestKernel.start({ secrets: { 'penny.ollama': { OLLAMA_API_KEY: KEY } } });
    const provider = await loadProvider('ollama', ['127.0.0.1']);
    id = (await tenant.activate(provider, { configuration: { baseUrl: cloud.baseUrl, useApiKey: true } })).extensionId;
  });

  afterAll(async () => {
    await tenant?.stop();
    await cloud?.close();
  });

  it('sends the real key while the isolate only ever holds its handle', async () => {
    cloud.script((request) => ({ text: ['I was called with ', String(request.headers.authorization)] }));
    const { chunks } = await chat(tenant, id, 'ollama', { model: MODEL, messages: [{ role: 'user', content: 'Who am I?' }] });
    expect(cloud.lastRequestTo('/api/chat').headers.authorization).toBe(`Bearer ${KEY}`);
    expect(textOf(chunks)).toBe(`I was called with Bearer ${SECRET_HANDLE_PREFIX}OLLAMA_API_KEY`);
    expect(JSON.stringify(chunks)).not.toContain(KEY);
    expect(tenant.secretLookups).toContainEqual({ extensionId: id, name: 'OLLAMA_API_KEY' });
  });

  it('embeds with the key too', async () => {
    const result = await embed(tenant, id, 'ollama', 'nomic-embed-text', ['penny']);
    expect(result.embeddings).toEqual([defaultEmbedding('penny')]);
    expect(cloud.lastRequestTo('/api/embed').headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
