// The host half of an isolate's fetch: one session per request, read on demand so that a slow
// consumer in the isolate applies backpressure and nothing is buffered here. Redirects are
// followed by hand so every hop passes the egress check.
import { isPennyError, SIDECAR_TOKEN_HEADER } from '@penny/manifests';
import type { FetchHead, FetchRead, FetchStart } from './isolate/contract.ts';
import { checkEgress, sidecarTarget, substituteSecrets, type EgressRules, type Redactor } from './egress.ts';
import { HostFault } from './errors.ts';

const MAX_SESSIONS = 32;
const MAX_REDIRECTS = 20;
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

interface Session {
  controller: AbortController;
  reader?: ReadableStreamDefaultReader<Uint8Array>;
  redactor?: Redactor;
  ended: boolean;
}

function validStart(input: unknown): FetchStart {
  const start = input as FetchStart;
  const headersOk =
    Array.isArray(start?.headers) &&
    start.headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string');
  const bodyOk = start?.body === undefined || typeof start.body === 'string' || start.body instanceof Uint8Array;
  if (
    !Number.isInteger(start?.id) ||
    typeof start.url !== 'string' ||
    typeof start.method !== 'string' ||
    !METHOD.test(start.method) ||
    !headersOk ||
    !bodyOk ||
    !['follow', 'error', 'manual'].includes(start.redirect)
  ) {
    throw new HostFault('InvalidArguments', 'fetch: malformed request');
  }
  return start;
}

export class FetchSessions {
  private readonly sessions = new Map<number, Session>();

  constructor(
    private readonly rules: EgressRules,
    private readonly resolveSecret: (name: string) => Promise<string>,
  ) {}

  async start(input: unknown): Promise<FetchHead> {
    const request = validStart(input);
    if (this.sessions.size >= MAX_SESSIONS) throw new HostFault('InvalidArguments', `fetch: more than ${MAX_SESSIONS} requests in flight`);
    if (this.sessions.has(request.id)) throw new HostFault('InvalidArguments', 'fetch: duplicate request id');
    const session: Session = { controller: new AbortController(), ended: false };
    this.sessions.set(request.id, session);
    let redactor: Redactor | undefined;
    try {
      let target = await this.admit(request.url);
      // Only the host presents a sidecar token, and only to the sidecar it belongs to.
      const own = request.headers.filter(([name]) => name.toLowerCase() !== SIDECAR_TOKEN_HEADER);
      const substituted = await substituteSecrets(this.rules, own, this.resolveSecret);
      redactor = substituted.redactor;
      let method = request.method.toUpperCase();
      let body: string | Uint8Array | undefined = request.body;
      let headers = substituted.headers;
      for (let hop = 0; ; hop++) {
        const url = target.url;
        const sent: Array<[string, string]> = target.token ? [...headers, [SIDECAR_TOKEN_HEADER, target.token]] : headers;
        const response = await fetch(url, { method, headers: sent, body, redirect: 'manual', signal: session.controller.signal });
        const location = response.headers.get('location');
        if (!REDIRECT.has(response.status) || !location || request.redirect === 'manual') {
          return this.open(request.id, session, response, redactor, hop > 0);
        }
        await response.body?.cancel();
        if (request.redirect === 'error') throw new TypeError(`fetch: redirected to ${redactor.redactText(location)} with redirect: "error"`);
        if (hop >= MAX_REDIRECTS) throw new TypeError('fetch: too many redirects');
        target = await this.admit(new URL(location, url).href);
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers = headers.filter(([name]) => !/^content-(type|length|encoding|language|location)$/i.test(name));
        }
      }
    } catch (error) {
      this.close(request.id);
      // The kernel refusing a secret (not granted, not set) is a Penny refusal like the host's own,
      // not a network failure: it keeps its code on the way into the isolate.
      if (error instanceof HostFault || isPennyError(error)) throw error;
      const message = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
      throw new TypeError(redactor ? redactor.redactText(message) : message);
    }
  }

  /** The URL to fetch after the egress check, and the token when it addresses an own sidecar. */
  private async admit(raw: string): Promise<{ url: URL; token?: string }> {
    return (await sidecarTarget(this.rules, raw)) ?? { url: checkEgress(this.rules, raw) };
  }

  private open(id: number, session: Session, response: Response, redactor: Redactor, redirected: boolean): FetchHead {
    session.redactor = redactor;
    session.reader = response.body?.getReader();
    if (!session.reader) this.close(id);
    const headers: Array<[string, string]> = [];
    response.headers.forEach((value, name) => headers.push([name, redactor.redactText(value)]));
    return {
      status: response.status,
      statusText: redactor.redactText(response.statusText),
      headers,
      url: redactor.redactText(response.url),
      redirected,
      hasBody: session.reader !== undefined,
    };
  }

  async read(input: unknown): Promise<FetchRead> {
    const id = (input as { id?: unknown })?.id;
    const session = typeof id === 'number' ? this.sessions.get(id) : undefined;
    if (!session?.reader || session.ended) {
      this.close(id as number);
      return { done: true };
    }
    try {
      for (;;) {
        const { done, value } = await session.reader.read();
        if (done) {
          session.ended = true;
          const tail = session.redactor?.end() ?? new Uint8Array(0);
          if (tail.length > 0) return { done: false, chunk: tail };
          this.close(id as number);
          return { done: true };
        }
        const chunk = session.redactor ? session.redactor.push(value) : value;
        if (chunk.length > 0) return { done: false, chunk };
      }
    } catch (error) {
      this.close(id as number);
      const message = error instanceof Error ? error.message : String(error);
      throw new TypeError(session.redactor ? session.redactor.redactText(message) : message);
    }
  }

  close(id: number): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.controller.abort();
    session.reader?.cancel().catch(() => undefined);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}
