import { describe, expect, it } from 'vitest';
import { extensionPolicyOf, hostCovered, policyViolations } from './tenant-policy.ts';

const asks = (p: Partial<Record<'network' | 'secrets' | 'datasources' | 'sidecars', string[]>>) => ({ network: [], secrets: [], datasources: [], sidecars: [], ...p });

describe('host coverage', () => {
  it.each([
    ['*', 'anything.example.com:8443', true],
    ['api.example.com', 'api.example.com', true],
    ['API.example.com', 'api.example.com:443', true],
    ['api.example.com:443', 'api.example.com', false],
    ['api.example.com', 'api.example.com.evil.test', false],
    ['*.example.com', 'api.example.com', true],
    ['*.example.com', '*.example.com', true],
    ['*.example.com', '*.api.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'badexample.com', false],
    ['api.example.com', '*.example.com', false],
    ['127.0.0.1:11434', '127.0.0.1:11434', true],
    ['127.0.0.1:11434', '127.0.0.1:8080', false],
  ])('%s covers %s: %s', (allowed, declared, expected) => {
    expect(hostCovered(allowed, declared)).toBe(expected);
  });
});

describe('policy violations', () => {
  it('allows everything without a policy', () => {
    expect(policyViolations({}, 'acme', asks({ network: ['a.test'], secrets: ['K'], sidecars: ['db'] }))).toEqual([]);
  });

  it('names each refused permission with what is allowed', () => {
    const reasons = policyViolations(
      { network: { allow: ['api.openai.com'] }, secrets: false, datasources: { allow: ['finance'] }, publishers: { allow: ['penny'] } },
      'acme',
      asks({ network: ['api.openai.com', 'evil.test'], secrets: ['KEY'], datasources: ['finance', 'hr'] }),
    );
    expect(reasons).toEqual([
      'the tenant policy does not allow extensions from the publisher "acme" (allowed: penny)',
      'the tenant policy does not allow network access to evil.test (allowed: api.openai.com)',
      'the tenant policy allows no secrets, but the extension asks for KEY',
      'the tenant policy does not allow the datasources hr (allowed: finance)',
    ]);
  });

  it('does not object to a permission the extension does not ask for', () => {
    expect(policyViolations({ secrets: false, sidecars: false, network: { allow: [] } }, 'acme', asks({}))).toEqual([]);
  });

  it('reads only its own members of settings.policy', () => {
    expect(extensionPolicyOf({ network: { allow: ['*'] }, pii: { redact: true } })).toEqual({ network: { allow: ['*'] } });
    expect(extensionPolicyOf(null)).toEqual({});
  });
});
