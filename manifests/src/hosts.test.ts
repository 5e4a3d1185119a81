import { describe, expect, it } from 'vitest';
import { hostOf, matchesAnyHostPattern, matchesHostPattern } from './hosts.ts';

const m = (pattern: string, url: string) => matchesHostPattern(pattern, new URL(url));

describe('host patterns', () => {
  it('matches exact hosts on any port unless a port is given', () => {
    expect(m('api.openai.com', 'https://api.openai.com/v1/chat')).toBe(true);
    expect(m('api.openai.com', 'http://api.openai.com:8443/')).toBe(true);
    expect(m('API.OpenAI.com', 'https://api.openai.com/')).toBe(true);
    expect(m('api.openai.com', 'https://api.openai.com.evil.test/')).toBe(false);
    expect(m('127.0.0.1:11434', 'http://127.0.0.1:11434/api/chat')).toBe(true);
    expect(m('127.0.0.1:11434', 'http://127.0.0.1:11435/')).toBe(false);
    expect(m('example.com:443', 'https://example.com/')).toBe(true);
    expect(m('example.com:80', 'https://example.com/')).toBe(false);
    expect(m('[::1]:8080', 'http://[::1]:8080/')).toBe(true);
    expect(m('[::1]', 'http://[::1]:9/')).toBe(true);
  });

  it('matches wildcards on subdomains only', () => {
    expect(m('*.example.com', 'https://a.example.com/')).toBe(true);
    expect(m('*.example.com', 'https://a.b.example.com/')).toBe(true);
    expect(m('*.example.com', 'https://example.com/')).toBe(false);
    expect(m('*.example.com', 'https://badexample.com/')).toBe(false);
    expect(m('*', 'https://anything.test/')).toBe(true);
  });

  it('checks lists and names hosts for errors', () => {
    expect(matchesAnyHostPattern([], new URL('https://a.test/'))).toBe(false);
    expect(matchesAnyHostPattern(['b.test', 'a.test'], new URL('https://a.test/'))).toBe(true);
    expect(hostOf(new URL('https://a.test/x'))).toBe('a.test');
    expect(hostOf(new URL('http://127.0.0.1:9000/x'))).toBe('127.0.0.1:9000');
  });
});
