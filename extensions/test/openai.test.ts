// The `openai` provider in a real extension host, driving the official SDK inside its isolate against
// a loopback server that speaks OpenAI's wire format: streaming, tool calls and their results,
// usage, cancellation, the API key kept out of the isolate, HTTP errors, embeddings, and an
// OpenAI-compatible server (as vLLM, TGI or LM Studio) configured per tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCancelNotification, PennyErrorCodes, SECRET_HANDLE_PREFIX, type ChatMessage } from '@penny/manifests';
import { TestKernel, rejectionOf, waitFor } from '../../extension-host/test/harness.ts';
import { defaultEmbedding } from './fake-server.ts';
import { FakeOpenAI } from './fake-openai.ts';
import { KPI_ARGUMENTS, KPI_TOOL, chat, embed, loadProvider, startChat, textOf, toolCallsOf } from './provider-harness.ts';

const KEY = 'sk-test-4f1c0b9e7d2a5c83';
const MODEL = 'gpt-4o-mini';
let kernel: TestKernel;
let fake: FakeOpenAI;
let openai: string;

beforeAll(async () => {
  fake = await FakeOpenAI.start({ apiKey: KEY });
  kernel = await TestKernel.start({ secrets: { 'penny.openai': { OPENAI_API_KEY: KEY } } });
  openai = (await kernel.activate(await loadProvider('openai'), { configuration: { baseUrl: fake.baseUrl } })).extensionId;
});

afterAll(async () => {
  await kernel?.stop();
  await fake?.close();
});

const ask = (messages: ChatMessage[], extra: object = {}) => chat(kernel, openai, 'openai', { model: MODEL, messages, ...extra });

describe('openai: chat completions', () => {
  it('streams text deltas, then usage and the finish reason', async () => {
    fake.script({ text: ['Revenue', ' is', ' up', ' 12%.'], usage: { inputTokens: 31, outputTokens: 4 } });
    const { result, chunks } = await ask([{ role: 'user', content: 'How is revenue?' }], { temperature: 0.2, maxTokens: 256, stop: ['END'] });
    expect(chunks).toEqual([
      { type: 'text', delta: 'Revenue' },
      { type: 'text', delta: ' is' },
      { type: 'text', delta: ' up' },
      { type: 'text', delta: ' 12%.' },
      { type: 'usage', inputTokens: 31, outputTokens: 4 },
      { type: 'done', finishReason: 'stop' },
    ]);
    expect(result).toEqual({ finishReason: 'stop', usage: { inputTokens: 31, outputTokens: 4 } });
    await expect(fake.lastRequestTo('/chat/completions').ended).resolves.toBe('finished');
    const sent = fake.lastRequestTo('/chat/completions').body;
    expect(sent).toMatchObject({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'How is revenue?' }],
      temperature: 0.2,
      stop: ['END'],
    });
    // Not api.openai.com: the limit goes by the name every compatible server knows.
    expect(sent.max_tokens).toBe(256);
    expect(sent.max_completion_tokens).toBeUndefined();
  });

  it('streams a tool call whose JSON arguments arrive in pieces', async () => {
    fake.script({ toolCalls: [{ id: 'call_kpi_1', name: 'get_company_kpis', arguments: KPI_ARGUMENTS, pieces: 4 }], usage: { inputTokens: 58, outputTokens: 19 } });
    const { result, chunks } = await ask([{ role: 'user', content: 'KPIs this quarter?' }], { tools: [KPI_TOOL], toolChoice: 'auto' });
    const deltas = chunks.filter((c) => c.type === 'toolCall');
    expect(deltas[0]).toEqual({ type: 'toolCall', index: 0, id: 'call_kpi_1', name: 'get_company_kpis' });
    expect(deltas.slice(1).every((d) => d.type === 'toolCall' && d.id === undefined && d.argumentsDelta)).toBe(true);
    expect(deltas).toHaveLength(5);
    const [call] = toolCallsOf(chunks);
    expect(call).toMatchObject({ index: 0, id: 'call_kpi_1', name: 'get_company_kpis' });
    expect(JSON.parse(call!.arguments)).toEqual(KPI_ARGUMENTS);
    expect(result).toEqual({ finishReason: 'toolCalls', usage: { inputTokens: 58, outputTokens: 19 } });
    expect(chunks.at(-1)).toEqual({ type: 'done', finishReason: 'toolCalls' });
    const sent = fake.lastRequestTo('/chat/completions').body;
    expect(sent.tools).toEqual([{ type: 'function', function: { name: KPI_TOOL.name, description: KPI_TOOL.description, parameters: KPI_TOOL.parameters } }]);
    expect(sent.tool_choice).toBe('auto');
  });

  it('sends the tool result back as a tool message answering the call', async () => {
    fake.script({ text: ['Revenue QTD is 4.2M.'] });
    const args = JSON.stringify(KPI_ARGUMENTS);
    const { result, chunks } = await ask(
      [
        { role: 'system', content: 'You are Penny.' },
        { role: 'user', content: [{ type: 'text', text: 'KPIs this quarter?' }] },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_kpi_1', name: 'get_company_kpis', arguments: args }] },
        { role: 'tool', toolCallId: 'call_kpi_1', content: '{"revenue":4200000}' },
      ],
      { tools: [KPI_TOOL], toolChoice: { name: 'get_company_kpis' } },
    );
    expect(textOf(chunks)).toBe('Revenue QTD is 4.2M.');
    expect(result.finishReason).toBe('stop');
    const sent = fake.lastRequestTo('/chat/completions').body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'You are Penny.' },
      { role: 'user', content: 'KPIs this quarter?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_kpi_1', type: 'function', function: { name: 'get_company_kpis', arguments: args } }] },
      { role: 'tool', tool_call_id: 'call_kpi_1', content: '{"revenue":4200000}' },
    ]);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'get_company_kpis' } });
  });

  it('sends images as data URLs', async () => {
    await ask([{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' }] }]);
    expect(fake.lastRequestTo('/chat/completions').body.messages[0].content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ]);
  });

  it('stops on model/cancel: the server sees the connection close and the call ends as cancelled', async () => {
    fake.script({ stall: ['Thinking', ' about it'] });
    const run = startChat(kernel, openai, 'openai', { model: MODEL, messages: [{ role: 'user', content: 'Take your time.' }] });
    await waitFor(() => run.chunks().some((c) => c.type === 'text'));
    await kernel.connection.sendNotification(ModelCancelNotification, { requestId: run.requestId });
    await expect(run.result).resolves.toEqual({ finishReason: 'cancelled' });
    await expect(fake.lastRequestTo('/chat/completions').ended).resolves.toBe('hungUp');
    expect(run.chunks().at(-1)).toEqual({ type: 'done', finishReason: 'cancelled' });
  });

  it('sends the real API key while the isolate only ever holds its handle', async () => {
    fake.script((request) => ({ text: ['I was called with ', String(request.headers.authorization)] }));
    const { chunks } = await ask([{ role: 'user', content: 'Who am I?' }]);
    // The fake answers 401 to any other key, so the request carried the real one; what came back
    // into the isolate had the value replaced by the handle again.
    expect(fake.lastRequestTo('/chat/completions').headers.authorization).toBe(`Bearer ${KEY}`);
    expect(textOf(chunks)).toBe(`I was called with Bearer ${SECRET_HANDLE_PREFIX}OPENAI_API_KEY`);
    expect(JSON.stringify(chunks)).not.toContain(KEY);
    expect(kernel.secretLookups).toContainEqual({ extensionId: openai, name: 'OPENAI_API_KEY' });
  });

  it.each([
    [401, 'AuthenticationError', 'Incorrect API key provided.'],
    [429, 'RateLimitError', 'Rate limit reached for gpt-4o-mini.'],
    [500, 'InternalServerError', 'The server had an error while processing your request.'],
  ])('reports HTTP %i as %s with the service message, without retrying', async (status, errorName, message) => {
    const before = fake.requestsTo('/chat/completions').length;
    fake.script({ fail: { status, message } });
    const error = await rejectionOf(ask([{ role: 'user', content: 'hi' }]));
    expect(error.code).toBe(PennyErrorCodes.ExtensionError);
    expect(error.message).toContain(`OpenAI answered HTTP ${status}: ${message}`);
    expect(error.data).toMatchObject({ extensionId: openai, errorName });
    expect(fake.requestsTo('/chat/completions').length).toBe(before + 1);
  });

  it('embeds, in input order, as floats', async () => {
    const input = ['penny', 'company health'];
    const result = await embed(kernel, openai, 'openai', 'text-embedding-3-small', input);
    expect(result).toEqual({ embeddings: input.map(defaultEmbedding), usage: { inputTokens: 3 } });
    expect(fake.lastRequestTo('/embeddings').body).toEqual({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
  });
});

describe('openai: refusals by the host keep their code', () => {
  let bare: TestKernel;

  beforeAll(async () => {
    bare = await TestKernel.start();
  });

  afterAll(async () => {
    await bare?.stop();
  });

  it('a secret the kernel will not give fails the call with PermissionDenied', async () => {
    const id = (await bare.activate(await loadProvider('openai'), { configuration: { baseUrl: fake.baseUrl } })).extensionId;
    const error = await rejectionOf(chat(bare, id, 'openai', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }));
    expect(error.code).toBe(PennyErrorCodes.PermissionDenied);
    expect(error.message).toContain('OPENAI_API_KEY');
  });

  it('a base URL on a host the manifest does not name fails the call with EgressDenied', async () => {
    const id = (await bare.activate(await loadProvider('openai'), { configuration: { baseUrl: 'http://vllm.internal.example:8000/v1' } })).extensionId;
    const error = await rejectionOf(chat(bare, id, 'openai', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }));
    expect(error.code).toBe(PennyErrorCodes.EgressDenied);
    expect(error.message).toContain('vllm.internal.example');
  });
});

describe('openai: an OpenAI-compatible server configured per tenant', () => {
  let server: FakeOpenAI;
  let tenant: TestKernel;
  let id: string;
  const served = 'Qwen/Qwen2.5-7B-Instruct';

  beforeAll(async () => {
    server = await FakeOpenAI.start();
    tenant = await TestKernel.start();
    const activation = await tenant.activate(await loadProvider('openai'), { configuration: { baseUrl: server.baseUrl, useApiKey: false, models: [served] } });
    id = activation.extensionId;
  });

  afterAll(async () => {
    await tenant?.stop();
    await server?.close();
  });

  it('chats with a model the tenant configured, without a key', async () => {
    server.script({ text: ['Hello from vLLM'] });
    const { result, chunks } = await chat(tenant, id, 'openai', { model: served, messages: [{ role: 'user', content: 'hi' }], maxTokens: 64 });
    expect(textOf(chunks)).toBe('Hello from vLLM');
    expect(result.finishReason).toBe('stop');
    const request = server.lastRequestTo('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer no-key');
    expect(request.body).toMatchObject({ model: served, max_tokens: 64 });
    expect(tenant.secretLookups).toEqual([]);
  });

  it('still refuses models neither the manifest nor the configuration offers', async () => {
    const error = await rejectionOf(chat(tenant, id, 'openai', { model: 'other/model', messages: [{ role: 'user', content: 'hi' }] }));
    expect(error.code).toBe(PennyErrorCodes.NotFound);
  });
});
