// URL and URLSearchParams for the isolate: enough of WHATWG URL for SDKs building http(s)
// request URLs. The host re-parses every fetched URL with Node's own parser before any egress
// decision, so a quirk here can break a request but never widen what is allowed.
import { TextDecoder, TextEncoder } from './web-text.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SPECIAL_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21' };

function percentEncode(text: string, keep: RegExp): string {
  let out = '';
  for (const char of text) {
    if (keep.test(char)) out += char;
    else for (const byte of encoder.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// Characters left as they are in each component; `%` stays so already-encoded input is kept.
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@%/]/;
const QUERY_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@%/?[\]{}|\\^`]/;
const FRAGMENT_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#[\]{}|\\^]/;
const FORM_SAFE = /[A-Za-z0-9*\-._]/;

function formEncode(text: string): string {
  return percentEncode(text, FORM_SAFE).replace(/%20/g, '+');
}

function formDecode(text: string): string {
  const bytes: number[] = [];
  const plus = text.replace(/\+/g, ' ');
  for (let i = 0; i < plus.length; i++) {
    const hex = plus.slice(i + 1, i + 3);
    if (plus[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...encoder.encode(plus[i]!));
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}

function normalizePath(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '..' || segment.toLowerCase() === '%2e%2e') {
      if (out.length > 1) out.pop();
      if (last) out.push('');
    } else if (segment === '.' || segment.toLowerCase() === '%2e') {
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  });
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

export class URLSearchParams {
  #pairs: Array<[string, string]> = [];
  #onChange: (() => void) | undefined;

  constructor(init?: string | Record<string, string> | Iterable<[string, string]> | URLSearchParams) {
    if (typeof init === 'string') this._parse(init);
    else if (init instanceof URLSearchParams) this.#pairs = [...init.#pairs];
    else if (init && typeof (init as Iterable<[string, string]>)[Symbol.iterator] === 'function') {
      for (const [name, value] of init as Iterable<[string, string]>) this.#pairs.push([String(name), String(value)]);
    } else if (init) {
      for (const [name, value] of Object.entries(init)) this.#pairs.push([name, String(value)]);
    }
  }

  /** @internal */
  _parse(query: string): void {
    this.#pairs = [];
    for (const part of query.replace(/^\?/, '').split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      this.#pairs.push(eq < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
    }
  }
  /** @internal */
  _bind(onChange: () => void): void {
    this.#onChange = onChange;
  }

  get size(): number {
    return this.#pairs.length;
  }
  append(name: string, value: string): void {
    this.#pairs.push([String(name), String(value)]);
    this.#onChange?.();
  }
  delete(name: string): void {
    this.#pairs = this.#pairs.filter(([n]) => n !== name);
    this.#onChange?.();
  }
  get(name: string): string | null {
    return this.#pairs.find(([n]) => n === name)?.[1] ?? null;
  }
  getAll(name: string): string[] {
    return this.#pairs.filter(([n]) => n === name).map(([, v]) => v);
  }
  has(name: string): boolean {
    return this.#pairs.some(([n]) => n === name);
  }
  set(name: string, value: string): void {
    const index = this.#pairs.findIndex(([n]) => n === name);
    if (index < 0) this.#pairs.push([String(name), String(value)]);
    else {
      this.#pairs[index] = [String(name), String(value)];
      this.#pairs = this.#pairs.filter(([n], i) => n !== name || i === index);
    }
    this.#onChange?.();
  }
  sort(): void {
    this.#pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#onChange?.();
  }
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void): void {
    for (const [name, value] of this.#pairs) callback(value, name, this);
  }
  *entries(): IterableIterator<[string, string]> {
    yield* this.#pairs.map(([n, v]) => [n, v] as [string, string]);
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.#pairs) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.#pairs) yield value;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  toString(): string {
    return this.#pairs.map(([n, v]) => `${formEncode(n)}=${formEncode(v)}`).join('&');
  }
}

interface Parts {
  protocol: string;
  username: string;
  password: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
  opaque: boolean;
}

function parseAuthority(authority: string, protocol: string): Pick<Parts, 'username' | 'password' | 'hostname' | 'port'> {
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : '';
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  const [username = '', password = ''] = userinfo ? [userinfo.split(':')[0], userinfo.split(':').slice(1).join(':')] : [];
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*)(?::(\d*))?$/.exec(hostport);
  if (!match || !match[1]) throw new TypeError(`Invalid URL: bad host "${hostport}"`);
  const hostname = match[1].toLowerCase();
  if (/[\s<>^|%#?/\\]/.test(hostname)) throw new TypeError(`Invalid URL: bad host "${hostname}"`);
  let port = match[2] ?? '';
  if (port) {
    const value = Number(port);
    if (value > 65535) throw new TypeError('Invalid URL: port out of range');
    port = String(value);
    if (SPECIAL_PORTS[protocol] === port) port = '';
  }
  return { username: percentEncode(username, PATH_SAFE), password: percentEncode(password, PATH_SAFE), hostname, port };
}

function splitTail(rest: string): { path: string; search: string; hash: string } {
  const hashAt = rest.indexOf('#');
  const hash = hashAt >= 0 ? rest.slice(hashAt) : '';
  const beforeHash = hashAt >= 0 ? rest.slice(0, hashAt) : rest;
  const queryAt = beforeHash.indexOf('?');
  return {
    path: queryAt >= 0 ? beforeHash.slice(0, queryAt) : beforeHash,
    search: queryAt >= 0 ? beforeHash.slice(queryAt) : '',
    hash,
  };
}

function parse(input: string, base?: Parts): Parts {
  const text = input.trim().replace(/[\t\n\r]/g, '');
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(text);
  if (schemeMatch) {
    const protocol = `${schemeMatch[1]!.toLowerCase()}:`;
    const rest = schemeMatch[2]!;
    if (!(protocol in SPECIAL_PORTS) && !rest.startsWith('//')) {
      const { path, search, hash } = splitTail(rest);
      return { protocol, username: '', password: '', hostname: '', port: '', pathname: path, search, hash, opaque: true };
    }
    const afterSlashes = rest.replace(/\\/g, '/').replace(/^\/*/, '');
    const authorityEnd = afterSlashes.search(/[/?#]/);
    const authority = authorityEnd < 0 ? afterSlashes : afterSlashes.slice(0, authorityEnd);
    const { path, search, hash } = splitTail(authorityEnd < 0 ? '' : afterSlashes.slice(authorityEnd));
    return { protocol, ...parseAuthority(authority, protocol), pathname: normalizePath(path), search, hash, opaque: false };
  }
  if (!base || base.opaque) throw new TypeError(`Invalid URL: "${input}"`);
  if (text.startsWith('//')) return parse(`${base.protocol}${text}`);
  const { path, search, hash } = splitTail(text);
  const resolved = { ...base, hash };
  if (path.startsWith('/') || path.startsWith('\\')) return { ...resolved, pathname: normalizePath(path.replace(/\\/g, '/')), search };
  if (path === '') return { ...resolved, search: text.startsWith('#') ? base.search : search };
  const directory = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
  return { ...resolved, pathname: normalizePath(directory + path), search };
}

export class URL {
  #parts: Parts;
  #searchParams = new URLSearchParams();

  constructor(input: string | URL, base?: string | URL) {
    const baseParts = base === undefined ? undefined : new URL(base).#parts;
    this.#parts = parse(String(input), baseParts);
    this.#encode();
    this.#searchParams._parse(this.#parts.search);
    this.#searchParams._bind(() => {
      const query = this.#searchParams.toString();
      this.#parts.search = query ? `?${query}` : '';
    });
  }

  static canParse(input: string, base?: string): boolean {
    try {
      new URL(input, base);
      return true;
    } catch {
      return false;
    }
  }

  #encode(): void {
    const p = this.#parts;
    if (!p.opaque) p.pathname = percentEncode(p.pathname, PATH_SAFE);
    p.search = p.search === '?' ? '' : percentEncode(p.search, QUERY_SAFE);
    p.hash = p.hash === '#' ? '' : percentEncode(p.hash, FRAGMENT_SAFE);
  }

  get protocol(): string {
    return this.#parts.protocol;
  }
  get username(): string {
    return this.#parts.username;
  }
  get password(): string {
    return this.#parts.password;
  }
  get hostname(): string {
    return this.#parts.hostname;
  }
  set hostname(value: string) {
    this.#parts.hostname = String(value).toLowerCase();
  }
  get port(): string {
    return this.#parts.port;
  }
  set port(value: string) {
    const port = String(value);
    this.#parts.port = SPECIAL_PORTS[this.#parts.protocol] === port ? '' : port;
  }
  get host(): string {
    return this.#parts.port ? `${this.#parts.hostname}:${this.#parts.port}` : this.#parts.hostname;
  }
  get origin(): string {
    return this.#parts.protocol in SPECIAL_PORTS ? `${this.#parts.protocol}//${this.host}` : 'null';
  }
  get pathname(): string {
    return this.#parts.pathname;
  }
  set pathname(value: string) {
    this.#parts.pathname = percentEncode(normalizePath(String(value)), PATH_SAFE);
  }
  get search(): string {
    return this.#parts.search;
  }
  set search(value: string) {
    const text = String(value);
    this.#parts.search = text === '' || text === '?' ? '' : percentEncode(text.startsWith('?') ? text : `?${text}`, QUERY_SAFE);
    this.#searchParams._parse(this.#parts.search);
  }
  get searchParams(): URLSearchParams {
    return this.#searchParams;
  }
  get hash(): string {
    return this.#parts.hash;
  }
  set hash(value: string) {
    const text = String(value);
    this.#parts.hash = text === '' || text === '#' ? '' : percentEncode(text.startsWith('#') ? text : `#${text}`, FRAGMENT_SAFE);
  }
  get href(): string {
    const p = this.#parts;
    if (p.opaque) return `${p.protocol}${p.pathname}${p.search}${p.hash}`;
    const credentials = p.username || p.password ? `${p.username}${p.password ? `:${p.password}` : ''}@` : '';
    return `${p.protocol}//${credentials}${this.host}${p.pathname}${p.search}${p.hash}`;
  }
  set href(value: string) {
    const next = new URL(value);
    this.#parts = next.#parts;
    this.#searchParams._parse(this.#parts.search);
  }
  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }
}
