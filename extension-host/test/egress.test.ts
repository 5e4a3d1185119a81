// Egress checks and secret handling in the host, without an isolate.
import { describe, expect, it } from 'vitest';
import { Redactor, checkEgress, substituteSecrets, type EgressRules } from '../src/egress.ts';
import { HostFault } from '../src/errors.ts';

const rules: EgressRules = {
  extensionId: 'test.ext',
  network: ['api.example.com', '*.models.test', '127.0.0.1:11434'],
  tenantAllow: ['api.example.com', '*.models.test', '127.0.0.1'],
  secrets: new Set(['API_KEY']),
};

function denial(url: string): HostFault {
  try {
    checkEgress(rules, url);
  } catch (error) {
    return error as HostFault;
  }
  throw new Error(`${url} was allowed`);
}

describe('checkEgress', () => {
  it('allows what both the manifest and the tenant allow', () => {
    expect(checkEgress(rules, 'https://api.example.com/v1').hostname).toBe('api.example.com');
    expect(checkEgress(rules, 'https://eu.models.test/x').hostname).toBe('eu.models.test');
    expect(checkEgress(rules, 'http://127.0.0.1:11434/api/chat').port).toBe('11434');
  });

  it('names the host and the missing permission when it refuses', () => {
    expect(denial('https://evil.test/')).toMatchObject({ code: 'EgressDenied', message: 'fetch to evil.test is not allowed: test.ext has no permissions.network entry for it', data: { host: 'evil.test' } });
    expect(denial('http://127.0.0.1:8080/').message).toMatch(/127\.0\.0\.1:8080/);
    expect(denial('ftp://api.example.com/').message).toBe('fetch to ftp: URLs is not allowed');
    const tenantOnly = { ...rules, tenantAllow: ['api.example.com'] };
    expect(() => checkEgress(tenantOnly, 'https://eu.models.test/')).toThrow("fetch to eu.models.test is not allowed by the tenant's egress policy");
    expect(denial('not a url').code).toBe('InvalidArguments');
  });
});

describe('secrets in headers', () => {
  it('substitutes granted handles and refuses the others', async () => {
    const resolved: string[] = [];
    const { headers } = await substituteSecrets(rules, [['authorization', 'Bearer penny-secret:API_KEY'], ['x-other', 'plain']], async (name) => {
      resolved.push(name);
      return 'real-value';
    });
    expect(headers).toEqual([['authorization', 'Bearer real-value'], ['x-other', 'plain']]);
    expect(resolved).toEqual(['API_KEY']);
    await expect(substituteSecrets(rules, [['x', 'penny-secret:OTHER']], async () => 'v')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(substituteSecrets(rules, [['x', 'penny-secret:API_KEY']], async () => 'bad\r\nvalue')).rejects.toMatchObject({ code: 'InvalidArguments' });
  });

  it('redacts secret values from streams however they are split', () => {
    const secret = 'sk-0123456789abcdef';
    const text = `start ${secret} middle ${secret}${secret} sk-0123 partial end ${secret}`;
    const expected = text.split(secret).join('penny-secret:API_KEY');
    const bytes = Buffer.from(text);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let round = 0; round < 200; round++) {
      const redactor = new Redactor([{ value: secret, handle: 'penny-secret:API_KEY' }]);
      const parts: Uint8Array[] = [];
      for (let offset = 0; offset < bytes.length; ) {
        const size = 1 + Math.floor(random() * 12);
        parts.push(redactor.push(bytes.subarray(offset, offset + size)));
        offset += size;
      }
      parts.push(redactor.end());
      expect(Buffer.concat(parts).toString()).toBe(expected);
    }
  });

  it('redacts strings and passes everything through when there is no secret', () => {
    const redactor = new Redactor([{ value: 'hunter2', handle: 'penny-secret:PW' }]);
    expect(redactor.redactText('pw=hunter2;again=hunter2')).toBe('pw=penny-secret:PW;again=penny-secret:PW');
    const none = new Redactor([]);
    const chunk = new Uint8Array([1, 2, 3]);
    expect(none.push(chunk)).toBe(chunk);
    expect(none.end()).toHaveLength(0);
  });
});
