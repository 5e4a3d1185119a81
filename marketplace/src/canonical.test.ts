import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, { d: 'x', c: 2 }] })).toBe('{"a":[true,null,{"c":2,"d":"x"}],"b":1}');
  });

  it('gives the same text for the same value in any key order', () => {
    const one = JSON.parse('{"name":"x","engines":{"penny":"^1"},"main":"m"}') as unknown;
    const two = JSON.parse('{ "main": "m",\n "engines": { "penny": "^1" }, "name": "x" }') as unknown;
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('orders keys by UTF-16 code units and serializes numbers like ECMAScript', () => {
    // Vectors from RFC 8785 section 3.2.3 (key order) and 3.2.2.3 (numbers).
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4, '\u00f6': 5 })).toBe('{"\\r":2,"1":4,"ö":5,"€":1,"😀":3}');
    expect(canonicalJson([1e21, 1e-7, -0, 0.000001, 333333333.3333333])).toBe('[1e+21,1e-7,0,0.000001,333333333.3333333]');
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN \(at \$\.a\)/);
    expect(() => canonicalJson({ a: new Date(0) })).toThrow(/object/);
    expect(() => canonicalJson(['\ud800'])).toThrow(/lone surrogate/);
    expect(() => canonicalJson(1n)).toThrow(/bigint/);
  });
});
