import { describe, expect, it } from 'vitest';
import { allowListOf, draftOf, entriesOf, ruleOf } from './policy-rules.ts';

describe('policy rules in the settings form', () => {
  it('round-trips any, none and allow-lists', () => {
    expect(draftOf(undefined)).toEqual({ mode: 'any', list: '' });
    expect(draftOf(false)).toEqual({ mode: 'none', list: '' });
    expect(draftOf({ allow: ['a', 'b'] })).toEqual({ mode: 'only', list: 'a\nb' });
    expect(ruleOf({ mode: 'any', list: 'x' })).toBeUndefined();
    expect(ruleOf({ mode: 'none', list: '' })).toBe(false);
    expect(ruleOf({ mode: 'only', list: 'API_KEY\n\n API_KEY , OTHER' })).toEqual({ allow: ['API_KEY', 'OTHER'] });
    expect(allowListOf({ mode: 'none', list: 'x' })).toEqual({ allow: [] });
    expect(entriesOf('a.example.com\n*.b.org')).toEqual(['a.example.com', '*.b.org']);
  });
});
