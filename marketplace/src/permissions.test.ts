import { describe, expect, it } from 'vitest';
import { comparePermissions, isDowngrade, permissionsOf } from './permissions.ts';

const base = {
  permissions: { network: ['API.example.com.'], secrets: ['token'], datasources: ['finance'] },
  contributes: { sidecars: [{ id: 'ocr', image: 'ocr:1' }] },
};

describe('comparePermissions', () => {
  it('reports nothing new for the same permissions written differently', () => {
    const same = {
      permissions: { network: ['api.example.com'], secrets: ['token'], datasources: ['finance'] },
      contributes: { sidecars: [{ image: 'ocr:1', id: 'ocr' }] },
    };
    const change = comparePermissions(base, same);
    expect(change.escalates).toBe(false);
    expect(change.removed).toEqual({ network: [], secrets: [], datasources: [], sidecars: [] });
  });

  it('reports each added host, secret, datasource and sidecar', () => {
    const next = {
      permissions: { network: ['api.example.com', '*.example.com'], secrets: ['token', 'admin'], datasources: ['finance', 'hr'] },
      contributes: { sidecars: [{ id: 'ocr', image: 'ocr:1' }, { id: 'gpu' }] },
    };
    expect(comparePermissions(base, next)).toEqual({
      added: { network: ['*.example.com'], secrets: ['admin'], datasources: ['hr'], sidecars: ['gpu'] },
      removed: { network: [], secrets: [], datasources: [], sidecars: [] },
      escalates: true,
    });
  });

  it('treats a changed sidecar definition as new', () => {
    const next = { ...base, contributes: { sidecars: [{ id: 'ocr', image: 'ocr:2' }] } };
    const change = comparePermissions(base, next);
    expect(change.escalates).toBe(true);
    expect(change.added.sidecars).toEqual(['ocr']);
  });

  it('treats everything as added on first install and reports removals', () => {
    expect(comparePermissions(null, base).added).toEqual(permissionsOf(base));
    const fewer = comparePermissions(base, { permissions: { network: [] } });
    expect(fewer.escalates).toBe(false);
    expect(fewer.removed).toEqual({ network: ['api.example.com'], secrets: ['token'], datasources: ['finance'], sidecars: ['ocr'] });
  });
});

describe('isDowngrade', () => {
  it('compares by semantic version, not text', () => {
    expect(isDowngrade('1.10.0', '1.9.0')).toBe(true);
    expect(isDowngrade('1.9.0', '1.10.0')).toBe(false);
    expect(isDowngrade('2.0.0', '2.0.0-rc.1')).toBe(true);
    expect(() => isDowngrade('1.0', '1.0.1')).toThrow(/not a semantic version/);
  });
});
