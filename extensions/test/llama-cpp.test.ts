// The llama-cpp extension's parts on their own: the conversation as plain text, and the sidecar's
// HTTP API run as a process with the test model (token required, streaming NDJSON at temperature 0,
// cancellation when the client goes away, clear refusals of bad input).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPrompt } from '../llama-cpp/src/prompt.ts';
import { STORIES_MODEL, until } from './llama-cpp-fixtures.ts';

const SERVER = path.resolve(import.meta.dirname, '../llama-cpp/sidecar/server.mjs');
const TOKEN = 'test-token';

describe('llama-cpp prompt', () => {
  it('writes the conversation as labelled turns, ending where the model continues', () => {
    const prompt = toPrompt([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Tell me a story.' },
      { role: 'assistant', content: 'Once there was a cat.', toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{"q":"cat"}' }] },
      { role: 'tool', content: '{"found":true}', toolCallId: 'c1' },
      { role: 'user', content: [{ type: 'text', text: 'And then?' }] },
    ]);
    expect(prompt).toBe(
      'Be brief.\n\nUser: Tell me a story.\n\nAssistant: Once there was a cat.\n[called lookup with {"q":"cat"}]\n\nTool result: {"found":true}\n\nUser: And then?\n\nAssistant:',
    );
  });
});

describe('llama-cpp sidecar', () => {
  let child: ChildProcess;
  let base: string;

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [SERVER], {
      cwd: path.dirname(SERVER),
      env: { PATH: process.env.PATH, PENNY_SIDECAR_PORT: String(port), PENNY_SIDECAR_TOKEN: TOKEN },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await until(
      () =>
        fetch(`${base}/healthz`, { headers: { 'x-penny-sidecar-token': TOKEN } }).then(
          (r) => r.ok,
          () => false,
        ),
      'the sidecar',
      60_000,
    );
  });
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  const complete = (body: object, signal?: AbortSignal) =>
    fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { 'x-penny-sidecar-token': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  async function events(res: Response): Promise<Array<Record<string, unknown>>> {
    return (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  it('refuses requests without its token', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(401);
    expect(
      (await fetch(`${base}/v1/completions`, { method: 'POST', body: '{}', headers: { 'x-penny-sidecar-token': 'wrong-token' } })).status,
    ).toBe(401);
  });

  it('streams a reproducible completion as NDJSON', async () => {
    const request = { modelPath: STORIES_MODEL, prompt: 'Once upon a time', temperature: 0, maxTokens: 40, threads: 1 };
    const first = await events(await complete(request));
    const texts = first.filter((e) => e.type === 'text').map((e) => e.delta as string);
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.join('')).toMatch(/^, there was a little girl named Lily/);
    expect(first.at(-1)).toEqual({ type: 'done', finishReason: 'length', usage: { inputTokens: expect.any(Number), outputTokens: 40 } });
    const second = await events(await complete(request));
    expect(second).toEqual(first);
  });

  it('stops generating when the client goes away', async () => {
    const controller = new AbortController();
    const res = await complete(
      { modelPath: STORIES_MODEL, prompt: 'Once upon a time', temperature: 0, maxTokens: 1800, ignoreEos: true },
      controller.signal,
    );
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const stats = await until(async () => {
      const now = (await (await fetch(`${base}/healthz`, { headers: { 'x-penny-sidecar-token': TOKEN } })).json()) as {
        generating: number;
        last: { finishReason: string; outputTokens: number } | null;
      };
      return now.generating === 0 && now.last?.finishReason === 'cancelled' ? now : undefined;
    }, 'the cancelled generation');
    expect(stats.last!.outputTokens).toBeLessThan(1800);
  });

  it('answers bad input with 400 and a reason', async () => {
    for (const [body, reason] of [
      [{ modelPath: 'relative.gguf', prompt: 'x' }, /absolute path/],
      [{ modelPath: '/etc/passwd', prompt: 'x' }, /\.gguf/],
      [{ modelPath: '/nowhere/model.gguf', prompt: 'x' }, /no model file/],
      [{ modelPath: STORIES_MODEL }, /prompt/],
    ] as const) {
      const res = await complete(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(reason);
    }
    const broken = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { 'x-penny-sidecar-token': TOKEN },
      body: '{not json',
    });
    expect(broken.status).toBe(400);
  });
});
