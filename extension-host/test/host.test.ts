// A well-behaved extension through the real host process: activation, tools with artifacts,
// storage, commands, streaming chat with cancellation, embeddings, configuration, stats and lifecycle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandRunRequest,
  ExtensionActivateRequest,
  ExtensionDeactivateRequest,
  ModelCancelNotification,
  ModelChatRequest,
  ModelEmbedRequest,
  PennyErrorCodes,
  TABLE_MIME,
} from '@penny/manifests';
import { TestKernel, loadFixture, rejectionOf, waitFor } from './harness.ts';

let kernel: TestKernel;
let echo: string;
let llm: string;
const context = { userId: 'user-1' };

beforeAll(async () => {
  kernel = await TestKernel.start();
  const activation = await kernel.activate('echo-table');
  echo = activation.extensionId;
  expect(activation.registered).toEqual({ tools: ['echo_table', 'echo'], modelProviders: [], commands: ['echo.count'] });
  expect(activation.activationMs).toBeGreaterThan(0);
  llm = (await kernel.activate('fake-llm')).extensionId;
});

afterAll(async () => {
  await kernel?.stop();
});

describe('tools', () => {
  it('returns a table artifact draft and keeps per-extension storage in the kernel', async () => {
    const args = { title: 'Quarter', columns: ['region', 'revenue'], rows: [['north', 10], ['south', 12.5]] };
    const first = await kernel.invoke(echo, 'echo_table', args);
    expect(first).toEqual({
      content: { rows: 2, calls: 1 },
      artifacts: [{ mimeType: TABLE_MIME, title: 'Quarter', data: { columns: [{ name: 'region' }, { name: 'revenue' }], rows: args.rows } }],
    });
    const second = await kernel.invoke(echo, 'echo_table', args);
    expect(second.content).toEqual({ rows: 2, calls: 2 });
    expect(kernel.storage.get(echo)?.get('calls')).toBe(2);
  });

  it('runs contributed commands', async () => {
    const { result } = await kernel.connection.sendRequest(CommandRunRequest, { extensionId: echo, command: 'echo.count', args: [], context });
    expect(result).toBe(2);
  });

  it('names what is missing: undeclared tools, inactive extensions', async () => {
    const unknownTool = await rejectionOf(kernel.invoke(echo, 'no_such_tool'));
    expect(unknownTool.code).toBe(PennyErrorCodes.NotFound);
    expect(unknownTool.message).toBe('test.echo-table contributes no tool "no_such_tool"');
    const inactive = await rejectionOf(kernel.invoke('test.nobody', 'echo'));
    expect(inactive.code).toBe(PennyErrorCodes.NotActivated);
  });

  it('refuses a manifest whose id does not match and a bundle that throws on load', async () => {
    const fixture = await loadFixture('echo-table');
    const mismatch = await rejectionOf(
      kernel.connection.sendRequest(ExtensionActivateRequest, {
        extensionId: 'test.other-name',
        manifest: fixture.manifest,
        source: fixture.source,
        permissions: { network: [], secrets: [], datasources: [] },
      }),
    );
    expect(mismatch.code).toBe(PennyErrorCodes.InvalidArguments);
    const broken = await rejectionOf(
      kernel.connection.sendRequest(ExtensionActivateRequest, {
        extensionId: 'test.echo-table-broken',
        manifest: { ...fixture.manifest, name: 'echo-table-broken' },
        source: 'throw new Error("bundle is broken")',
        permissions: { network: [], secrets: [], datasources: [] },
      }),
    );
    expect(broken.code).toBe(PennyErrorCodes.ActivationFailed);
    expect(broken.message).toMatch(/bundle is broken/);
  });
});

describe('model providers', () => {
  it('streams text chunks, then done, then resolves with usage', async () => {
    const result = await kernel.connection.sendRequest(ModelChatRequest, {
      requestId: 'chat-1',
      extensionId: llm,
      providerId: 'fake',
      request: { model: 'fake-1', messages: [{ role: 'user', content: 'hello there penny' }] },
      context,
    });
    expect(result).toEqual({ finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 3 } });
    const chunks = kernel.chunks.get('chat-1')!;
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.chunk)).toEqual([
      { type: 'text', delta: 'hello' },
      { type: 'text', delta: ' there' },
      { type: 'text', delta: ' penny' },
      { type: 'usage', inputTokens: 3, outputTokens: 3 },
      { type: 'done', finishReason: 'stop' },
    ]);
  });

  it('streams tool-call deltas and reports finishReason toolCalls', async () => {
    const result = await kernel.connection.sendRequest(ModelChatRequest, {
      requestId: 'chat-2',
      extensionId: llm,
      providerId: 'fake',
      request: {
        model: 'fake-1',
        messages: [{ role: 'user', content: 'look it up' }],
        tools: [{ name: 'search', description: 'Searches.', parameters: { type: 'object' } }],
      },
      context,
    });
    expect(result.finishReason).toBe('toolCalls');
    const deltas = kernel.chunks.get('chat-2')!.map((c) => c.chunk).filter((c) => c.type === 'toolCall');
    expect(deltas).toEqual([
      { type: 'toolCall', index: 0, id: 'call-1', name: 'search', argumentsDelta: '{"q":' },
      { type: 'toolCall', index: 0, argumentsDelta: '"hi"}' },
    ]);
  });

  it('stops a stream on model/cancel', async () => {
    const streaming = kernel.connection.sendRequest(ModelChatRequest, {
      requestId: 'chat-3',
      extensionId: llm,
      providerId: 'fake',
      request: { model: 'fake-1', messages: [{ role: 'user', content: 'stream forever' }] },
      context,
    });
    await waitFor(() => (kernel.chunks.get('chat-3')?.length ?? 0) >= 3);
    await kernel.connection.sendNotification(ModelCancelNotification, { requestId: 'chat-3' });
    await expect(streaming).resolves.toEqual({ finishReason: 'cancelled' });
    expect(kernel.chunks.get('chat-3')!.at(-1)!.chunk).toEqual({ type: 'done', finishReason: 'cancelled' });
  });

  it('embeds, and refuses models the manifest does not list', async () => {
    const embedded = await kernel.connection.sendRequest(ModelEmbedRequest, { extensionId: llm, providerId: 'fake', model: 'fake-1', input: ['penny', 'abc'], context });
    expect(embedded).toEqual({ embeddings: [[5, 1], [3, 1]] });
    const unknown = await rejectionOf(
      kernel.connection.sendRequest(ModelEmbedRequest, { extensionId: llm, providerId: 'fake', model: 'gpt-9', input: ['x'], context }),
    );
    expect(unknown.code).toBe(PennyErrorCodes.NotFound);
  });
});

describe('configuration', () => {
  const read = async (extensionId: string, key: string) => (await kernel.invoke(extensionId, 'read_setting', { key })).content;

  it("serves activation's settings over the manifest's defaults, as a frozen copy", async () => {
    const limits = { perMinute: 60, models: ['a', 'b'] };
    const { extensionId } = await kernel.activate('settings', { configuration: { baseUrl: 'http://127.0.0.1:8000/v1', limits } });
    expect(await read(extensionId, 'baseUrl')).toMatchObject({ value: 'http://127.0.0.1:8000/v1', missing: false });
    expect(await read(extensionId, 'retries')).toMatchObject({ value: 2, missing: false });
    expect(await read(extensionId, 'nothing')).toMatchObject({ value: null, missing: true });
    expect(await read(extensionId, 'limits')).toEqual({ value: limits, missing: false, frozen: true, changed: false, replaced: false, again: limits });
    await kernel.connection.sendRequest(ExtensionDeactivateRequest, { extensionId });
  });

  it('serves the defaults when activation carries no configuration, as older kernels send', async () => {
    const { extensionId } = await kernel.activate('settings');
    expect(await read(extensionId, 'baseUrl')).toMatchObject({ value: 'https://api.example.com/v1' });
    await kernel.connection.sendRequest(ExtensionDeactivateRequest, { extensionId });
  });

  it('refuses a configuration that is not an object', async () => {
    const fixture = await loadFixture('settings');
    const error = await rejectionOf(
      kernel.connection.sendRequest(ExtensionActivateRequest, {
        extensionId: fixture.extensionId,
        manifest: fixture.manifest,
        source: fixture.source,
        permissions: { network: [], secrets: [], datasources: [] },
        configuration: ['not', 'an', 'object'] as never,
      }),
    );
    expect(error.code).toBe(PennyErrorCodes.InvalidArguments);
  });

  it('lets a provider offer the models its configuration names, besides the manifest\'s', async () => {
    await kernel.activate('fake-llm', { configuration: { models: ['fake-2', { id: 'fake-3', contextWindow: 8192 }] } });
    const result = await kernel.connection.sendRequest(ModelChatRequest, {
      requestId: 'chat-configured',
      extensionId: llm,
      providerId: 'fake',
      request: { model: 'fake-2', messages: [{ role: 'user', content: 'hi' }] },
      context,
    });
    expect(result.finishReason).toBe('stop');
    const embedded = await kernel.connection.sendRequest(ModelEmbedRequest, { extensionId: llm, providerId: 'fake', model: 'fake-3', input: ['penny'], context });
    expect(embedded.embeddings).toEqual([[5, 1]]);
    const unknown = await rejectionOf(
      kernel.connection.sendRequest(ModelEmbedRequest, { extensionId: llm, providerId: 'fake', model: 'fake-4', input: ['x'], context }),
    );
    expect(unknown.code).toBe(PennyErrorCodes.NotFound);
  });
});

describe('host lifecycle', () => {
  it('answers heartbeats and reports memory per isolate', async () => {
    const pong = await kernel.ping();
    expect(pong.uptimeMs).toBeGreaterThan(0);
    const stats = await kernel.stats();
    expect(stats.rssBytes).toBeGreaterThan(0);
    const isolate = stats.isolates.find((i) => i.extensionId === echo)!;
    expect(isolate).toMatchObject({ state: 'active', restarts: 0 });
    expect(isolate.usedHeapBytes).toBeGreaterThan(0);
    expect(isolate.heapLimitBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
  });

  it('deactivates: later calls fail with NotActivated', async () => {
    await kernel.connection.sendRequest(ExtensionDeactivateRequest, { extensionId: llm });
    const error = await rejectionOf(kernel.connection.sendRequest(ModelEmbedRequest, { extensionId: llm, providerId: 'fake', model: 'fake-1', input: ['x'], context }));
    expect(error.code).toBe(PennyErrorCodes.NotActivated);
    expect((await kernel.stats()).isolates.map((i) => i.extensionId)).toEqual([echo]);
  });

  it('exits when the kernel closes the channel', async () => {
    const other = await TestKernel.start();
    other.connection.dispose();
    other.child.disconnect();
    await expect(other.exited).resolves.toBe(0);
  });
});
