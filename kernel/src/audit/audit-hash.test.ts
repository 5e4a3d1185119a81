import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical-json.ts';
import { eventHash, GENESIS_HASH } from './audit.service.ts';

describe('audit hashing', () => {
  it('encodes objects canonically regardless of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }], u: undefined })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
  });

  it('changes the hash when any field or the link changes', () => {
    const base = {
      chain: 't',
      seq: 1,
      tenantId: 't',
      occurredAt: '2026-01-01T00:00:00.000Z',
      actorId: null,
      actor: 'a@b',
      action: 'x.done',
      target: '',
      outcome: 'success' as const,
      payloadHash: 'p',
      ip: null,
      prevHash: GENESIS_HASH,
    };
    const h = eventHash(base);
    expect(eventHash({ ...base })).toBe(h);
    for (const [k, v] of Object.entries({ seq: 2, actor: 'c@d', action: 'y', outcome: 'failure', prevHash: 'f'.repeat(64), occurredAt: '2026-01-01T00:00:00.001Z' })) {
      expect(eventHash({ ...base, [k]: v })).not.toBe(h);
    }
  });
});
