// fetch, Headers, Request, Response and a FormData stub for the isolate. Requests go to the host,
// which applies egress policy and secrets; response bodies stream back chunk by chunk as a
// ReadableStream of Uint8Array, which is what SDKs parsing server-sent events read.
import { ReadableStream } from 'web-streams-polyfill';
import { hostCall, hostSend } from './bridge.ts';
import type { FetchHead, FetchRead } from './contract.ts';
import { AbortController, AbortSignal, DOMException } from './web-events.ts';
import { TextDecoder, TextEncoder } from './web-text.ts';
import { URL, URLSearchParams } from './web-url.ts';

const encoder = new TextEncoder();
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type HeadersInit = Headers | Record<string, string> | Iterable<[string, string]>;

export class Headers {
  #map = new Map<string, string[]>();

  constructor(init?: HeadersInit) {
    if (init instanceof Headers) init.forEach((value, name) => this.append(name, value));
    else if (init && typeof (init as Iterable<[string, string]>)[Symbol.iterator] === 'function') {
      for (const [name, value] of init as Iterable<[string, string]>) this.append(name, value);
    } else if (init) {
      for (const [name, value] of Object.entries(init)) if (value !== undefined) this.append(name, value);
    }
  }

  static #name(name: string): string {
    const text = String(name);
    if (!TOKEN.test(text)) throw new TypeError(`Headers: invalid header name "${text}"`);
    return text.toLowerCase();
  }
  static #value(value: string): string {
    const text = String(value).trim();
    if (/[\r\n\0]/.test(text)) throw new TypeError('Headers: invalid header value');
    return text;
  }

  append(name: string, value: string): void {
    const key = Headers.#name(name);
    this.#map.set(key, [...(this.#map.get(key) ?? []), Headers.#value(value)]);
  }
  set(name: string, value: string): void {
    this.#map.set(Headers.#name(name), [Headers.#value(value)]);
  }
  delete(name: string): void {
    this.#map.delete(Headers.#name(name));
  }
  get(name: string): string | null {
    return this.#map.get(Headers.#name(name))?.join(', ') ?? null;
  }
  getSetCookie(): string[] {
    return [...(this.#map.get('set-cookie') ?? [])];
  }
  has(name: string): boolean {
    return this.#map.has(Headers.#name(name));
  }
  forEach(callback: (value: string, name: string, headers: Headers) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#map.keys()].sort()) yield [name, this.#map.get(name)!.join(', ')];
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** Present so SDKs' `instanceof FormData` checks work; multipart bodies are not supported. */
export class FormData {
  #entries: Array<[string, unknown]> = [];
  append(name: string, value: unknown): void {
    this.#entries.push([String(name), value]);
  }
  get(name: string): unknown {
    return this.#entries.find(([n]) => n === name)?.[1] ?? null;
  }
  has(name: string): boolean {
    return this.#entries.some(([n]) => n === name);
  }
  *entries(): IterableIterator<[string, unknown]> {
    yield* this.#entries;
  }
}

type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams | ReadableStream<Uint8Array> | FormData | null | undefined;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const bytes = typeof value === 'string' ? encoder.encode(value) : new Uint8Array(value);
    parts.push(bytes);
    size += bytes.length;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function toStream(body: BodyInit): ReadableStream<Uint8Array> | null {
  if (body === null || body === undefined) return null;
  if (body instanceof ReadableStream) return body;
  if (body instanceof FormData) throw new TypeError('FormData bodies are not supported');
  const bytes =
    typeof body === 'string' || body instanceof URLSearchParams
      ? encoder.encode(String(body))
      : body instanceof ArrayBuffer
        ? new Uint8Array(body.slice(0))
        : new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

abstract class Body {
  #stream: ReadableStream<Uint8Array> | null;
  #used = false;
  protected constructor(body: BodyInit) {
    this.#stream = toStream(body);
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.#stream;
  }
  get bodyUsed(): boolean {
    return this.#used;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#used) throw new TypeError('Body has already been consumed');
    this.#used = true;
    const bytes = this.#stream ? await readAll(this.#stream) : new Uint8Array(0);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.arrayBuffer());
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  protected teeBody(): ReadableStream<Uint8Array> | null {
    if (!this.#stream) return null;
    const [mine, theirs] = this.#stream.tee();
    this.#stream = mine;
    return theirs;
  }
}

interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  signal?: AbortSignal | null;
  redirect?: 'follow' | 'error' | 'manual';
}

export class Request extends Body {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly signal: AbortSignal;
  readonly redirect: 'follow' | 'error' | 'manual';
  constructor(input: string | URL | Request, init: RequestInit = {}) {
    const from = input instanceof Request ? input : undefined;
    super(init.body !== undefined ? init.body : (from?.teeBody() ?? null));
    this.url = new URL(from ? from.url : String(input)).href;
    this.method = String(init.method ?? from?.method ?? 'GET').toUpperCase();
    this.headers = new Headers(init.headers ?? from?.headers);
    this.signal = init.signal ?? from?.signal ?? new AbortController().signal;
    this.redirect = init.redirect ?? from?.redirect ?? 'follow';
    if (init.body instanceof URLSearchParams && !this.headers.has('content-type')) {
      this.headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    } else if (typeof init.body === 'string' && !this.headers.has('content-type')) {
      this.headers.set('content-type', 'text/plain;charset=UTF-8');
    }
  }
  clone(): Request {
    return new Request(this);
  }
}

interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

export class Response extends Body {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly type: string = 'default';
  url = '';
  redirected = false;
  constructor(body?: BodyInit, init: ResponseInit = {}) {
    super(body ?? null);
    this.status = init.status ?? 200;
    this.statusText = init.statusText ?? '';
    this.headers = new Headers(init.headers);
    if (typeof body === 'string' && !this.headers.has('content-type')) this.headers.set('content-type', 'text/plain;charset=UTF-8');
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  clone(): Response {
    const copy = new Response(this.teeBody(), { status: this.status, statusText: this.statusText, headers: this.headers });
    copy.url = this.url;
    copy.redirected = this.redirected;
    return copy;
  }
  static json(data: unknown, init: ResponseInit = {}): Response {
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(JSON.stringify(data), { ...init, headers });
  }
  static error(): Response {
    return new Response(null, { status: 0 });
  }
}

let nextFetchId = 1;

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export async function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const { signal } = request;
  if (signal.aborted) throw abortError(signal);
  if (!/^https?:$/.test(new URL(request.url).protocol)) throw new TypeError(`fetch: unsupported scheme in ${request.url}`);
  const body = request.body ? await readAll(request.body) : undefined;
  const id = nextFetchId++;
  let finished = false;
  const onAbort = () => {
    if (!finished) hostSend('fetch.cancel', { id });
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(abortError(signal)), { once: true }));
  aborted.catch(() => undefined);
  let head: FetchHead;
  try {
    const start = hostCall<FetchHead>('fetch.start', {
      id,
      url: request.url,
      method: request.method,
      headers: [...request.headers.entries()],
      body,
      redirect: request.redirect,
    });
    head = await Promise.race([start, aborted]);
  } catch (error) {
    finished = true;
    throw error;
  }
  const stream = head.hasBody
    ? new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            try {
              const next = await Promise.race([hostCall<FetchRead>('fetch.read', { id }), aborted]);
              if (next.done || !next.chunk) {
                finished = true;
                controller.close();
              } else {
                controller.enqueue(next.chunk);
              }
            } catch (error) {
              finished = true;
              controller.error(error);
            }
          },
          cancel() {
            if (!finished) hostSend('fetch.cancel', { id });
            finished = true;
          },
        },
        { highWaterMark: 0 },
      )
    : null;
  if (!stream) finished = true;
  const response = new Response(stream, { status: head.status, statusText: head.statusText, headers: head.headers });
  response.url = head.url;
  response.redirected = head.redirected;
  return response;
}
