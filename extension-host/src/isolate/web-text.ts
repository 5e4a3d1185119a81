// UTF-8 TextEncoder/TextDecoder (with `{ stream: true }`, which SDKs parsing SSE rely on) and
// base64 atob/btoa, for the isolate where V8 alone provides none of them.
import { DOMException } from './web-events.ts';

const REPLACEMENT = 0xfffd;

function toBytes(input: unknown): Uint8Array {
  if (input === undefined || input === null) return new Uint8Array(0);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('TextDecoder.decode: input must be an ArrayBuffer or a view of one');
}

export class TextEncoder {
  readonly encoding = 'utf-8';

  encode(input = ''): Uint8Array {
    const text = String(input);
    const out = new Uint8Array(text.length * 3);
    const { written } = this.encodeInto(text, out);
    return out.slice(0, written);
  }

  encodeInto(input: string, dest: Uint8Array): { read: number; written: number } {
    const text = String(input);
    let read = 0;
    let written = 0;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      let units = 1;
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
          units = 2;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = REPLACEMENT;
      const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (written + size > dest.length) break;
      if (size === 1) dest[written++] = cp;
      else if (size === 2) {
        dest[written++] = 0xc0 | (cp >> 6);
        dest[written++] = 0x80 | (cp & 0x3f);
      } else if (size === 3) {
        dest[written++] = 0xe0 | (cp >> 12);
        dest[written++] = 0x80 | ((cp >> 6) & 0x3f);
        dest[written++] = 0x80 | (cp & 0x3f);
      } else {
        dest[written++] = 0xf0 | (cp >> 18);
        dest[written++] = 0x80 | ((cp >> 12) & 0x3f);
        dest[written++] = 0x80 | ((cp >> 6) & 0x3f);
        dest[written++] = 0x80 | (cp & 0x3f);
      }
      read += units;
      i += units - 1;
    }
    return { read, written };
  }
}

export class TextDecoder {
  readonly encoding = 'utf-8';
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  private pending: Uint8Array = new Uint8Array(0);
  private atStart = true;

  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const normalized = String(label).trim().toLowerCase();
    if (normalized !== 'utf-8' && normalized !== 'utf8' && normalized !== 'unicode-1-1-utf-8') {
      throw new RangeError(`TextDecoder: the "${label}" encoding is not supported`);
    }
    this.fatal = Boolean(options.fatal);
    this.ignoreBOM = Boolean(options.ignoreBOM);
  }

  decode(input?: unknown, options: { stream?: boolean } = {}): string {
    const stream = Boolean(options.stream);
    const fresh = toBytes(input);
    let bytes = fresh;
    if (this.pending.length > 0) {
      bytes = new Uint8Array(this.pending.length + fresh.length);
      bytes.set(this.pending);
      bytes.set(fresh, this.pending.length);
      this.pending = new Uint8Array(0);
    }
    const codePoints: number[] = [];
    let out = '';
    const flush = () => {
      out += String.fromCodePoint(...codePoints);
      codePoints.length = 0;
    };
    const bad = () => {
      if (this.fatal) throw new TypeError('TextDecoder: the encoded data was not valid UTF-8');
      codePoints.push(REPLACEMENT);
    };
    let i = 0;
    while (i < bytes.length) {
      if (codePoints.length >= 8192) flush();
      const lead = bytes[i]!;
      if (lead < 0x80) {
        codePoints.push(lead);
        i++;
        continue;
      }
      let need: number;
      let cp: number;
      if (lead >= 0xc2 && lead <= 0xdf) [need, cp] = [1, lead & 0x1f];
      else if (lead >= 0xe0 && lead <= 0xef) [need, cp] = [2, lead & 0x0f];
      else if (lead >= 0xf0 && lead <= 0xf4) [need, cp] = [3, lead & 0x07];
      else {
        bad();
        i++;
        continue;
      }
      let lower = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      let upper = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      let j = 1;
      let state: 'ok' | 'invalid' | 'truncated' = 'ok';
      for (; j <= need; j++) {
        if (i + j >= bytes.length) {
          state = 'truncated';
          break;
        }
        const next = bytes[i + j]!;
        if (next < lower || next > upper) {
          state = 'invalid';
          break;
        }
        lower = 0x80;
        upper = 0xbf;
        cp = (cp << 6) | (next & 0x3f);
      }
      if (state === 'truncated') {
        if (stream) this.pending = bytes.slice(i);
        else bad();
        break;
      }
      if (state === 'invalid') {
        bad();
        i += j;
        continue;
      }
      codePoints.push(cp);
      i += need + 1;
    }
    flush();
    if (this.atStart && out.length > 0) {
      if (!this.ignoreBOM && out.charCodeAt(0) === 0xfeff) out = out.slice(1);
      this.atStart = false;
    }
    if (!stream) this.atStart = true;
    return out;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function btoa(data: unknown): string {
  const text = String(data);
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const codes = [text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)];
    for (const code of codes) {
      if (code > 0xff) throw new DOMException('btoa: the string contains characters outside Latin1', 'InvalidCharacterError');
    }
    const [a, b, c] = codes as [number, number, number];
    const triple = (a << 16) | ((Number.isNaN(b) ? 0 : b) << 8) | (Number.isNaN(c) ? 0 : c);
    out += ALPHABET[(triple >> 18) & 63]! + ALPHABET[(triple >> 12) & 63]!;
    out += Number.isNaN(b) ? '=' : ALPHABET[(triple >> 6) & 63]!;
    out += Number.isNaN(c) ? '=' : ALPHABET[triple & 63]!;
  }
  return out;
}

export function atob(data: unknown): string {
  const text = String(data).replace(/[\t\n\f\r ]/g, '').replace(/={1,2}$/, '');
  if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
    throw new DOMException('atob: the string is not valid base64', 'InvalidCharacterError');
  }
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    buffer = (buffer << 6) | ALPHABET.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}
