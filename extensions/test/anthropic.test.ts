// The `anthropic` provider in a real extension host, driving the official SDK inside its isolate
// against a loopback server that speaks the Messages API's wire format: streaming, tool use and tool
// results, usage, cancellation, the API key kept out of the isolate, and HTTP errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCancelNotification, PennyErrorCodes, SECRET_HANDLE_PREFIX, type ChatMessage } from '@penny/manifests';
import { TestKernel, rejectionOf, waitFor } from '../../extension-host/test/harness.ts';
import { FakeAnthropic } from './fake-anthropic.ts';
import { KPI_ARGUMENTS, KPI_TOOL, chat, embed, loadProvider, startChat, textOf, toolCallsOf } from './provider-harness.ts';

const KEY = 'sk-ant-test-9d8c7b6a5f4e3d2c';
const MODEL = 'claude-sonnet-5-5';
let kernel: TestKernel;
let fake: FakeAnthropic;
let anthropic: string;

beforeAll(async () => {
  fake = await FakeAnthropic.start({ apiKey: KEY });
  kernel = await TestKernel.start({ secrets: { 'penny.anthropic': { ANTHROPIC_API_KEY: KEY } } });
  // The manifest allows api.anthropic.com only; the stand-in listens on loopback.
  const provider = await loadProvider('anthropic', ['127.0.0.1']);
  anthropic = (await kernel.activate(provider, { configuration: { baseUrl: fake.baseUrl, maxTokens: 1024 } })).extensionId;
});

afterAll(async () => {
  await kernel?.stop();
  await fake?.close();
});

const ask = (messages: ChatMessage[], extra: object = {}) => chat(kernel, anthropic, 'anthropic', { model: MODEL, messages, ...extra });

describe('anthropic: messages', () => {
  it('streams text deltas, then usage and the finish reason', async () => {
    fake.script({ text: ['Revenue', ' is', ' up.'], usage: { inputTokens: 40, outputTokens: 6 } });
    const { result, chunks } = await ask([
      { role: 'system', content: 'You are Penny.' },
      { role: 'user', content: 'How is revenue?' },
    ], { stop: ['END'] });
    expect(chunks).toEqual([
      { type: 'text', delta: 'Revenue' },
      { type: 'text', delta: ' is' },
      { type: 'text', delta: ' up.' },
      { type: 'usage', inputTokens: 40, outputTokens: 6 },
      { type: 'done', finishReason: 'stop' },
    ]);
    expect(result).toEqual({ finishReason: 'stop', usage: { inputTokens: 40, outputTokens: 6 } });
    await expect(fake.lastRequestTo('/v1/messages').ended).resolves.toBe('finished');
    const request = fake.lastRequestTo('/v1/messages');
    expect(request.body).toEqual({
      model: MODEL,
      // The configured default, since the request named no limit.
      max_tokens: 1024,
      system: 'You are Penny.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'How is revenue?' }] }],
      stop_sequences: ['END'],
      stream: true,
    });
    expect(request.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('streams a tool_use block whose input JSON arrives in pieces', async () => {
    fake.script({
      text: 'Let me look that up.',
      toolCalls: [{ id: 'toolu_kpi_1', name: 'get_company_kpis', arguments: KPI_ARGUMENTS, pieces: 4 }],
      usage: { inputTokens: 380, outputTokens: 52 },
    });
    const { result, chunks } = await ask([{ role: 'user', content: 'KPIs this quarter?' }], { tools: [KPI_TOOL], toolChoice: 'required', maxTokens: 300 });
    expect(textOf(chunks)).toBe('Let me look that up.');
    const deltas = chunks.filter((c) => c.type === 'toolCall');
    expect(deltas[0]).toEqual({ type: 'toolCall', index: 0, id: 'toolu_kpi_1', name: 'get_company_kpis' });
    expect(deltas.slice(1).map((d) => d.type === 'toolCall' && d.argumentsDelta).join('')).toBe(JSON.stringify(KPI_ARGUMENTS));
    expect(deltas).toHaveLength(5);
    const [call] = toolCallsOf(chunks);
    expect(JSON.parse(call!.arguments)).toEqual(KPI_ARGUMENTS);
    expect(result).toEqual({ finishReason: 'toolCalls', usage: { inputTokens: 380, outputTokens: 52 } });
    const sent = fake.lastRequestTo('/v1/messages').body;
    expect(sent.tools).toEqual([{ name: KPI_TOOL.name, description: KPI_TOOL.description, input_schema: KPI_TOOL.parameters }]);
    expect(sent.tool_choice).toEqual({ type: 'any' });
    expect(sent.max_tokens).toBe(300);
  });

  it('sends tool results as tool_result blocks in one user turn after the tool_use turn', async () => {
    fake.script({ text: ['Revenue QTD is 4.2M; headcount 120.'] });
    const { chunks } = await ask(
      [
        { role: 'user', content: 'KPIs and headcount?' },
        {
          role: 'assistant',
          content: 'Looking.',
          toolCalls: [
            { id: 'toolu_1', name: 'get_company_kpis', arguments: JSON.stringify(KPI_ARGUMENTS) },
            { id: 'toolu_2', name: 'get_company_kpis', arguments: '{"period":"YTD"}' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: '{"revenue":4200000}' },
        { role: 'tool', toolCallId: 'toolu_2', content: '{"headcount":120}' },
      ],
      { tools: [KPI_TOOL], toolChoice: { name: 'get_company_kpis' } },
    );
    expect(textOf(chunks)).toBe('Revenue QTD is 4.2M; headcount 120.');
    const sent = fake.lastRequestTo('/v1/messages').body;
    expect(sent.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'KPIs and headcount?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Looking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_company_kpis', input: KPI_ARGUMENTS },
          { type: 'tool_use', id: 'toolu_2', name: 'get_company_kpis', input: { period: 'YTD' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"revenue":4200000}' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '{"headcount":120}' },
        ],
      },
    ]);
    expect(sent.tool_choice).toEqual({ type: 'tool', name: 'get_company_kpis' });
  });

  it('sends images as base64 blocks', async () => {
    await ask([{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' }] }]);
    expect(fake.lastRequestTo('/v1/messages').body.messages[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'text', text: 'What is this?' },
    ]);
  });

  it('stops on model/cancel: the server sees the connection close and the call ends as cancelled', async () => {
    fake.script({ stall: ['Thinking', ' about it'] });
    const run = startChat(kernel, anthropic, 'anthropic', { model: MODEL, messages: [{ role: 'user', content: 'Take your time.' }] });
    await waitFor(() => run.chunks().some((c) => c.type === 'text'));
    await kernel.connection.sendNotification(ModelCancelNotification, { requestId: run.requestId });
    await expect(run.result).resolves.toEqual({ finishReason: 'cancelled' });
    await expect(fake.lastRequestTo('/v1/messages').ended).resolves.toBe('hungUp');
    expect(run.chunks().at(-1)).toEqual({ type: 'done', finishReason: 'cancelled' });
  });

  it('sends the real API key while the isolate only ever holds its handle', async () => {
    fake.script((request) => ({ text: ['I was called with ', String(request.headers.authorization)] }));
    const { chunks } = await ask([{ role: 'user', content: 'Who am I?' }]);
    // The fake answers 401 to any other key, so the request carried the real one; what came back
    // into the isolate had the value replaced by the handle again.
    expect(fake.lastRequestTo('/v1/messages').headers.authorization).toBe(`Bearer ${KEY}`);
    expect(textOf(chunks)).toBe(`I was called with Bearer ${SECRET_HANDLE_PREFIX}ANTHROPIC_API_KEY`);
    expect(JSON.stringify(chunks)).not.toContain(KEY);
    expect(kernel.secretLookups).toContainEqual({ extensionId: anthropic, name: 'ANTHROPIC_API_KEY' });
  });

  it.each([
    [401, 'AuthenticationError', 'authentication_error: invalid x-api-key'],
    [429, 'RateLimitError', 'rate_limit_error: Number of request tokens has exceeded your per-minute rate limit'],
    [500, 'InternalServerError', 'api_error: Internal server error'],
    [529, 'OverloadedError', 'overloaded_error: Overloaded'],
  ])('reports HTTP %i as %s with the service message, without retrying', async (status, errorName, detail) => {
    const before = fake.requestsTo('/v1/messages').length;
    fake.script({ fail: { status, message: detail.slice(detail.indexOf(': ') + 2) } });
    const error = await rejectionOf(ask([{ role: 'user', content: 'hi' }]));
    expect(error.code).toBe(PennyErrorCodes.ExtensionError);
    expect(error.message).toContain(`Anthropic answered HTTP ${status}: ${detail}`);
    expect(error.data).toMatchObject({ extensionId: anthropic, errorName });
    expect(fake.requestsTo('/v1/messages').length).toBe(before + 1);
  });

  it('offers no embeddings', async () => {
    const error = await rejectionOf(embed(kernel, anthropic, 'anthropic', MODEL, ['x']));
    expect(error.code).toBe(PennyErrorCodes.NotFound);
  });
});
