import { parseExpression } from 'vega';
import { describe, expect, it } from 'vitest';
import { interpret } from './vega-interpreter.ts';
import { chartConfig, checkVegaLiteSpec } from './vega-spec.ts';

// Functions a view provides (isValid, scale, format…) come from its function table.
const viewFunctions = { isValid: (v: unknown) => v !== null && v !== undefined && v === v };
const evaluate = (expression: string, datum: unknown = {}, params: Record<string, unknown> = {}) =>
  interpret(parseExpression(expression) as never, viewFunctions, params, datum);

describe('Vega expressions without eval', () => {
  it('evaluates what charts use', () => {
    expect(evaluate('datum.burn > 0', { burn: 5 })).toBe(true);
    expect(evaluate('datum.burn > 0 ? "over" : "under"', { burn: -1 })).toBe('under');
    expect(evaluate("isValid(datum.x) && datum['y'] * 2", { x: 1, y: 4 })).toBe(8);
    expect(evaluate('clamp(datum.v, 0, 10) + abs(-2) + PI * 0', { v: 42 })).toBe(12);
    expect(evaluate('upper(substring("revenue", 0, 3))')).toBe('REV');
    expect(evaluate('if(width > 100, "wide", "narrow")', {}, { $width: 300 })).toBe('wide');
    expect(evaluate('[1, 2][1] + {a: 3}.a')).toBe(5);
  });

  it('refuses to reach code', () => {
    expect(() => evaluate('datum.constructor', {})).toThrow(/may not read "constructor"/);
    // Vega's parser turns such strings into names, which reach no prototype.
    expect(evaluate("datum['constructor']", {})).toBeUndefined();
    expect(evaluate("datum['__proto__']", {})).toBeUndefined();
    expect(() => evaluate('{__proto__: 1}')).toThrow(/may not set/);
    expect(() => evaluate('nosuchfunction(1)')).toThrow(/unknown expression function/);
  });
});

describe('Vega-Lite spec checks', () => {
  it('accepts a chart and returns a plain copy', () => {
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      data: { values: [{ a: 1 }] },
      mark: 'bar',
      encoding: { x: { field: 'a' } },
    };
    const checked = checkVegaLiteSpec(spec);
    expect(checked).toEqual(spec);
    expect(checked).not.toBe(spec);
  });

  it('says what is wrong with a bad spec', () => {
    expect(() => checkVegaLiteSpec([1])).toThrow('spec: must be a JSON object');
    expect(() => checkVegaLiteSpec({ $schema: 'https://vega.github.io/schema/vega/v5.json', mark: 'bar' })).toThrow(
      /not a Vega-Lite schema/,
    );
    expect(() => checkVegaLiteSpec({ data: { values: [] } })).toThrow(/spec: has none of mark, layer/);
    expect(() => checkVegaLiteSpec({ mark: 42 })).toThrow(/spec.mark/);
    expect(() => checkVegaLiteSpec({ mark: 'bar', data: { url: 'https://example.com/x.csv' } })).toThrow(
      /spec.data.url: data from a URL is not loaded here/,
    );
    expect(() => checkVegaLiteSpec({ layer: [{ mark: 'line' }, 'x'] })).toThrow('spec.layer[1]: must be an object');
  });

  it('derives chart colours from the theme', () => {
    const config = chartConfig({
      kind: 'dark',
      text: '#eee',
      muted: '#999',
      border: '#333',
      surface: '#111',
      accent: '#58f',
      font: 'system-ui',
    });
    expect(config).toMatchObject({ background: 'transparent', axis: { labelColor: '#eee', gridColor: '#333' }, mark: { color: '#58f' } });
  });
});
