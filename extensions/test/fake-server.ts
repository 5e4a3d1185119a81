// The common half of the loopback model services used in tests: an HTTP server on 127.0.0.1 that
// records every request, answers chat requests from a queue of scripted turns, and notices when a
// client hangs up in the middle of a stream. Each service's wire format lives in its own module.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; `undefined` when there was none or it was not JSON. */
  body: any;
  /** Settles when the response is over: `finished`, or `hungUp` when the client went away first. */
  ended: Promise<'finished' | 'hungUp'>;
}

export interface ScriptedToolCall {
  /** Made up when absent. */
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
  /** How many pieces the arguments' JSON text is streamed in, where the format streams it (default 3). */
  pieces?: number;
}

export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One answer of the model. */
export type Turn =
  | {
      /** Text deltas, streamed in order (a string is one delta). */
      text?: string | string[];
      toolCalls?: ScriptedToolCall[];
      usage?: ScriptedUsage;
      /** Defaults to `toolCalls` when there are tool calls, else `stop`. */
      finish?: 'stop' | 'length' | 'toolCalls';
    }
  /** The service refuses the request with this HTTP status, in its own error format. */
  | { fail: { status: number; message: string } }
  /** Streams these deltas, then keeps the response open until the client goes away. */
  | { stall: string[] };

export type Script = Turn | ((request: RecordedRequest) => Turn);

export const DEFAULT_USAGE: ScriptedUsage = { inputTokens: 12, outputTokens: 7 };

export interface FakeServerOptions {
  /** When set, requests must carry this key (each service checks its own header). */
  apiKey?: string;
  /** Pause between streamed pieces, so that they arrive as separate reads. */
  delayMs?: number;
  /** The vector for one embedding input; by default a few numbers derived from the text. */
  embed?: (input: string) => number[];
}

export function defaultEmbedding(input: string): number[] {
  return [input.length, (input.match(/[aeiou]/gi) ?? []).length, input.split(/\s+/).filter(Boolean).length / 10];
}

/** Splits `text` into `pieces` parts of about the same length (never an empty part). */
export function splitText(text: string, pieces = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / pieces));
  const parts: string[] = [];
  for (let at = 0; at < text.length; at += size) parts.push(text.slice(at, at + size));
  return parts;
}

export function textDeltas(turn: { text?: string | string[] }): string[] {
  return turn.text === undefined ? [] : typeof turn.text === 'string' ? [turn.text] : turn.text;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let nextId = 1;

export abstract class FakeModelServer {
  readonly requests: RecordedRequest[] = [];
  /** `http://127.0.0.1:<port>`, once listening. */
  origin = '';
  protected readonly options: FakeServerOptions;
  private readonly turns: Script[] = [];
  private readonly server: Server;

  protected constructor(options: FakeServerOptions = {}) {
    this.options = options;
    this.server = createServer((request, response) => void this.receive(request, response));
  }

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues the answers to the next chat requests; once the queue is empty, the answer is "ok". */
  script(...turns: Script[]): this {
    this.turns.push(...turns);
    return this;
  }

  /** Requests to paths ending with `suffix`. */
  requestsTo(suffix: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path.split('?')[0]!.endsWith(suffix));
  }

  lastRequestTo(suffix: string): RecordedRequest {
    const found = this.requestsTo(suffix).at(-1);
    if (!found) throw new Error(`no request to ${suffix} yet`);
    return found;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  protected newId(prefix: string): string {
    return `${prefix}${String(nextId++).padStart(6, '0')}`;
  }

  protected nextTurn(request: RecordedRequest): Turn {
    const next = this.turns.shift() ?? { text: 'ok' };
    return typeof next === 'function' ? next(request) : next;
  }

  protected embedding(input: string): number[] {
    return (this.options.embed ?? defaultEmbedding)(input);
  }

  /** Writes `pieces` with a pause between them; false when the client left first. */
  protected async stream(response: ServerResponse, pieces: string[]): Promise<boolean> {
    for (const piece of pieces) {
      if (response.destroyed) return false;
      response.write(piece);
      await sleep(this.options.delayMs ?? 2);
    }
    return !response.destroyed;
  }

  /** Keeps a response open until its client goes away. */
  protected async holdOpen(response: ServerResponse): Promise<void> {
    if (response.destroyed) return;
    await new Promise<void>((resolve) => response.once('close', () => resolve()));
  }

  protected json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  /** Answers one request; `request.body` is already parsed. */
  protected abstract route(request: RecordedRequest, response: ServerResponse): Promise<void>;

  private async receive(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const ended = new Promise<'finished' | 'hungUp'>((resolve) => response.once('close', () => resolve(response.writableFinished ? 'finished' : 'hungUp')));
    const request: RecordedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: incoming.headers, body, ended };
    this.requests.push(request);
    try {
      await this.route(request, response);
    } catch (error) {
      if (!response.headersSent) this.json(response, 500, { error: `fake server failed: ${String(error)}` });
      else response.destroy();
    }
  }
}
