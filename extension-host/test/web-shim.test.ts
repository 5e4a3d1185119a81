// The isolate's web-platform shim, compared with Node's own implementations of the same APIs.
import { describe, expect, it } from 'vitest';
import { TextDecoder, TextEncoder, atob, btoa } from '../src/isolate/web-text.ts';
import { URL, URLSearchParams } from '../src/isolate/web-url.ts';

const samples = ['plain ascii', 'naïve café', '日本語のテキスト', 'emoji 😀🎉 and 𝄞', 'mixed é😀日', ''];

describe('TextEncoder / TextDecoder', () => {
  it('encodes like Node, including lone surrogates', () => {
    for (const text of [...samples, 'lone \ud800 surrogate', 'tail \udc00']) {
      expect([...new TextEncoder().encode(text)]).toEqual([...new globalThis.TextEncoder().encode(text)]);
    }
  });

  it('decodes streams split at every byte position like Node', () => {
    for (const text of samples) {
      const bytes = new globalThis.TextEncoder().encode(text);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const decoder = new TextDecoder();
        const out = decoder.decode(bytes.subarray(0, cut), { stream: true }) + decoder.decode(bytes.subarray(cut));
        expect(out).toBe(text);
      }
    }
  });

  it('replaces invalid and truncated sequences like Node, or throws when fatal', () => {
    const broken = [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0x61, 0x80, 0x62], [0xef, 0xbb, 0xbf, 0x41]];
    for (const bytes of broken) {
      const input = new Uint8Array(bytes);
      expect(new TextDecoder().decode(input)).toBe(new globalThis.TextDecoder().decode(input));
    }
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff]))).toThrow(TypeError);
    expect(() => new TextDecoder('latin1')).toThrow(RangeError);
  });

  it('round-trips base64 like Node', () => {
    for (const text of ['', 'a', 'ab', 'abc', 'Penny!\u00ff']) {
      expect(btoa(text)).toBe(globalThis.btoa(text));
      expect(atob(btoa(text))).toBe(text);
    }
    expect(() => btoa('日本')).toThrow();
    expect(() => atob('***')).toThrow();
  });
});

describe('URL', () => {
  const cases: Array<[string, string?]> = [
    ['https://api.example.com/v1/chat/completions?stream=true#frag'],
    ['HTTPS://API.Example.COM:443/a/./b/../c'],
    ['http://127.0.0.1:11434/api/chat'],
    ['http://user:pa%20ss@host.test:8080/p?q=1'],
    ['/v1/messages', 'https://api.anthropic.com/base/'],
    ['messages?x=1', 'https://api.anthropic.com/v1/'],
    ['../up', 'https://a.test/one/two/three'],
    ['?only=query', 'https://a.test/path?old=1#h'],
    ['#only-hash', 'https://a.test/path?keep=1'],
    ['//other.test/x', 'https://a.test/'],
    ['https://a.test/with space/ü?q=a b&é=1'],
    ['http://[::1]:8080/x'],
  ];
  it.each(cases)('parses %s like Node', (input, base) => {
    const ours = new URL(input, base);
    const node = new globalThis.URL(input, base);
    for (const key of ['href', 'protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'hash', 'origin', 'username', 'password'] as const) {
      expect(ours[key], key).toBe(node[key]);
    }
  });

  it('rejects what cannot be a URL', () => {
    expect(() => new URL('/relative')).toThrow(TypeError);
    expect(URL.canParse('not a url')).toBe(false);
    expect(URL.canParse('https://ok.test')).toBe(true);
  });

  it('keeps searchParams and search in sync', () => {
    const url = new URL('https://a.test/p?a=1&b=two+words');
    expect(url.searchParams.get('b')).toBe('two words');
    url.searchParams.set('a', 'x y&z');
    url.searchParams.append('c', 'é');
    const node = new globalThis.URL('https://a.test/p?a=1&b=two+words');
    node.searchParams.set('a', 'x y&z');
    node.searchParams.append('c', 'é');
    expect(url.href).toBe(node.href);
    url.search = '?n=1';
    expect(url.searchParams.get('n')).toBe('1');
  });

  it('serializes URLSearchParams like Node', () => {
    const init = { q: 'a b', sym: "!'()*~", uni: 'ü€' };
    expect(new URLSearchParams(init).toString()).toBe(new globalThis.URLSearchParams(init).toString());
    expect([...new URLSearchParams('a=1&a=2&b=%20')]).toEqual([...new globalThis.URLSearchParams('a=1&a=2&b=%20')]);
  });
});
