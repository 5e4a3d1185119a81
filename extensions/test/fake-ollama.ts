// A loopback stand-in for an Ollama server, speaking its wire format: `POST /api/chat` streamed as
// NDJSON (`message.content` pieces, `message.tool_calls` whole, a last line with `done: true`,
// `done_reason`, `prompt_eval_count` and `eval_count`), `POST /api/embed`, and errors as
// `{ "error": "..." }`. A bearer token is checked only when an API key is set (as for ollama.com).
import type { ServerResponse } from 'node:http';
import { DEFAULT_USAGE, FakeModelServer, textDeltas, type FakeServerOptions, type RecordedRequest, type Turn } from './fake-server.ts';

const CREATED_AT = '2026-01-15T10:00:00.000000Z';

export class FakeOllama extends FakeModelServer {
  static async start(options: FakeServerOptions = {}): Promise<FakeOllama> {
    const server = new FakeOllama(options);
    await server.listen();
    return server;
  }

  /** What to configure as the provider's `baseUrl`. */
  get baseUrl(): string {
    return this.origin;
  }

  protected async route(request: RecordedRequest, response: ServerResponse): Promise<void> {
    if (this.options.apiKey !== undefined && request.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return this.json(response, 401, { error: 'unauthorized' });
    }
    if (request.method === 'POST' && request.path === '/api/chat') return this.chat(request, response);
    if (request.method === 'POST' && request.path === '/api/embed') return this.embed(request, response);
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found');
  }

  private async chat(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const turn: Turn = this.nextTurn(request);
    if ('fail' in turn) return this.json(response, turn.fail.status, { error: turn.fail.message });
    const model = String(request.body?.model);
    const line = (message: Record<string, unknown>, extra: Record<string, unknown> = { done: false }) =>
      `${JSON.stringify({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '', ...message }, ...extra })}\n`;
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    if ('stall' in turn) {
      if (await this.stream(response, turn.stall.map((content) => line({ content })))) await this.holdOpen(response);
      return;
    }
    const pieces = textDeltas(turn).map((content) => line({ content }));
    if (turn.toolCalls?.length) {
      pieces.push(line({ tool_calls: turn.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.arguments } })) }));
    }
    const usage = turn.usage ?? DEFAULT_USAGE;
    pieces.push(
      line(
        {},
        {
          done: true,
          done_reason: turn.finish === 'length' ? 'length' : 'stop',
          total_duration: 1_250_000_000,
          load_duration: 50_000_000,
          prompt_eval_count: usage.inputTokens,
          prompt_eval_duration: 200_000_000,
          eval_count: usage.outputTokens,
          eval_duration: 900_000_000,
        },
      ),
    );
    if (await this.stream(response, pieces)) response.end();
  }

  private embed(request: RecordedRequest, response: ServerResponse): void {
    const raw = request.body?.input;
    const inputs: string[] = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    this.json(response, 200, {
      model: request.body?.model,
      embeddings: inputs.map((input) => this.embedding(input)),
      total_duration: 14_143_917,
      load_duration: 1_019_500,
      prompt_eval_count: inputs.reduce((sum, input) => sum + input.split(/\s+/).filter(Boolean).length, 0),
    });
  }
}
