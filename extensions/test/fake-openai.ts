// A loopback stand-in for OpenAI's API (and the servers compatible with it), speaking its wire
// format: `POST /v1/chat/completions` streamed as server-sent events (`data: {chunk}` ... `data:
// [DONE]`, a usage chunk when `stream_options.include_usage`), `POST /v1/embeddings`, and errors
// as `{ error: { message, type, code } }`.
import type { ServerResponse } from 'node:http';
import {
  DEFAULT_USAGE,
  FakeModelServer,
  splitText,
  textDeltas,
  type FakeServerOptions,
  type RecordedRequest,
  type Turn,
} from './fake-server.ts';

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

export class FakeOpenAI extends FakeModelServer {
  static async start(options: FakeServerOptions = {}): Promise<FakeOpenAI> {
    const server = new FakeOpenAI(options);
    await server.listen();
    return server;
  }

  /** What to configure as the provider's `baseUrl`. */
  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  protected async route(request: RecordedRequest, response: ServerResponse): Promise<void> {
    if (this.options.apiKey !== undefined && request.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return this.fail(response, 401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.');
    }
    if (request.method === 'POST' && request.path === '/v1/chat/completions') return this.chat(request, response);
    if (request.method === 'POST' && request.path === '/v1/embeddings') return this.embeddings(request, response);
    this.fail(response, 404, `Invalid URL (${request.method} ${request.path})`);
  }

  private fail(response: ServerResponse, status: number, message: string): void {
    const { type, code } = ERROR_TYPES[status] ?? { type: 'server_error', code: null };
    const headers: Record<string, string> = status === 429 ? { 'retry-after': '1' } : {};
    this.json(response, status, { error: { message, type, param: null, code } }, headers);
  }

  private async chat(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const turn: Turn = this.nextTurn(request);
    if ('fail' in turn) return this.fail(response, turn.fail.status, turn.fail.message);
    const id = this.newId('chatcmpl-');
    const model = String(request.body?.model);
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_760_000_000, model, system_fingerprint: 'fp_penny', choices, ...extra })}\n\n`;
    const delta = (d: Record<string, unknown>, finish: string | null = null) => chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });

    const pieces = [delta({ role: 'assistant', content: '', refusal: null })];
    if ('stall' in turn) {
      if (!(await this.stream(response, [...pieces, ...turn.stall.map((text) => delta({ content: text }))]))) return;
      return this.holdOpen(response);
    }
    pieces.push(...textDeltas(turn).map((text) => delta({ content: text })));
    (turn.toolCalls ?? []).forEach((call, index) => {
      const json = JSON.stringify(call.arguments);
      pieces.push(delta({ tool_calls: [{ index, id: call.id ?? this.newId('call_'), type: 'function', function: { name: call.name, arguments: '' } }] }));
      for (const part of splitText(json, call.pieces)) pieces.push(delta({ tool_calls: [{ index, function: { arguments: part } }] }));
    });
    const finish = turn.finish ?? (turn.toolCalls?.length ? 'toolCalls' : 'stop');
    pieces.push(delta({}, finish === 'toolCalls' ? 'tool_calls' : finish));
    if (request.body?.stream_options?.include_usage) {
      const usage = turn.usage ?? DEFAULT_USAGE;
      pieces.push(chunk([], { usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens } }));
    }
    pieces.push('data: [DONE]\n\n');
    if (await this.stream(response, pieces)) response.end();
  }

  private embeddings(request: RecordedRequest, response: ServerResponse): void {
    const raw = request.body?.input;
    const inputs: string[] = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    const tokens = inputs.reduce((sum, input) => sum + input.split(/\s+/).filter(Boolean).length, 0);
    this.json(response, 200, {
      object: 'list',
      data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: this.embedding(input) })),
      model: request.body?.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }
}
