// A loopback stand-in for Anthropic's Messages API, speaking its wire format: `POST /v1/messages`
// streamed as server-sent events (`message_start`, `content_block_start` / `_delta` / `_stop` with
// `text_delta` and `input_json_delta`, `message_delta` with `stop_reason` and usage,
// `message_stop`), authenticated by `x-api-key` or a bearer token, errors as `{ type: "error", error: { type, message } }`.
import type { ServerResponse } from 'node:http';
import { DEFAULT_USAGE, FakeModelServer, splitText, textDeltas, type FakeServerOptions, type RecordedRequest, type Turn } from './fake-server.ts';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens', toolCalls: 'tool_use' } as const;

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export class FakeAnthropic extends FakeModelServer {
  static async start(options: FakeServerOptions = {}): Promise<FakeAnthropic> {
    const server = new FakeAnthropic(options);
    await server.listen();
    return server;
  }

  /** What to configure as the provider's `baseUrl` (the SDK adds `/v1/messages`). */
  get baseUrl(): string {
    return this.origin;
  }

  protected async route(request: RecordedRequest, response: ServerResponse): Promise<void> {
    if (this.options.apiKey !== undefined && !this.authenticated(request, this.options.apiKey)) {
      return this.fail(response, 401, 'invalid x-api-key');
    }
    if (request.method === 'POST' && request.path.split('?')[0] === '/v1/messages') return this.messages(request, response);
    this.fail(response, 404, `${request.method} ${request.path} not found`);
  }

  /** The API takes the key as `x-api-key` or, as the SDK sends it, as a bearer token. */
  private authenticated(request: RecordedRequest, key: string): boolean {
    return request.headers['x-api-key'] === key || request.headers.authorization === `Bearer ${key}`;
  }

  private fail(response: ServerResponse, status: number, message: string): void {
    const type = ERROR_TYPES[status] ?? 'api_error';
    const requestId = this.newId('req_');
    const headers: Record<string, string> = { 'request-id': requestId, ...(status === 429 ? { 'retry-after': '1' } : {}) };
    this.json(response, status, { type: 'error', error: { type, message }, request_id: requestId }, headers);
  }

  private async messages(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const turn: Turn = this.nextTurn(request);
    if ('fail' in turn) return this.fail(response, turn.fail.status, turn.fail.message);
    const usage = ('stall' in turn ? undefined : turn.usage) ?? DEFAULT_USAGE;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': this.newId('req_') });
    const pieces = [
      event('message_start', {
        message: {
          id: this.newId('msg_'),
          type: 'message',
          role: 'assistant',
          model: request.body?.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
        },
      }),
      event('ping', {}),
    ];
    const textBlock = (deltas: string[], index: number) => [
      event('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } }),
      ...deltas.map((text) => event('content_block_delta', { index, delta: { type: 'text_delta', text } })),
    ];
    if ('stall' in turn) {
      if (await this.stream(response, [...pieces, ...textBlock(turn.stall, 0)])) await this.holdOpen(response);
      return;
    }
    let block = 0;
    const text = textDeltas(turn);
    if (text.length) pieces.push(...textBlock(text, block), event('content_block_stop', { index: block++ }));
    for (const call of turn.toolCalls ?? []) {
      pieces.push(event('content_block_start', { index: block, content_block: { type: 'tool_use', id: call.id ?? this.newId('toolu_'), name: call.name, input: {} } }));
      for (const part of splitText(JSON.stringify(call.arguments), call.pieces)) {
        pieces.push(event('content_block_delta', { index: block, delta: { type: 'input_json_delta', partial_json: part } }));
      }
      pieces.push(event('content_block_stop', { index: block++ }));
    }
    const finish = turn.finish ?? (turn.toolCalls?.length ? 'toolCalls' : 'stop');
    pieces.push(
      event('message_delta', { delta: { stop_reason: STOP_REASONS[finish], stop_sequence: null }, usage: { output_tokens: usage.outputTokens } }),
      event('message_stop', {}),
    );
    if (await this.stream(response, pieces)) response.end();
  }
}
