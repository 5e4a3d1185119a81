import { describe, expect, it } from 'vitest';
import { fieldOfPath, fieldsOf, initialValue, toArguments } from './schema-fields.ts';

const echoTable = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 200 },
    columns: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 100 },
    rows: { type: 'array', items: { type: 'array' }, maxItems: 10000 },
  },
  required: ['columns', 'rows'],
};

describe('form fields from a JSON Schema', () => {
  it('chooses an input per property, required ones first', () => {
    const fields = fieldsOf(echoTable);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['columns', 'stringList', true],
      ['rows', 'json', true],
      ['title', 'string', false],
    ]);
    const more = fieldsOf({ properties: { n: { type: 'integer', minimum: 1 }, x: { type: ['number', 'null'] }, on: { type: 'boolean', default: true }, period: { enum: ['MTD', 'YTD'] }, obj: { type: 'object' } }, required: ['period'] });
    expect(Object.fromEntries(more.map((f) => [f.name, f.kind]))).toEqual({ period: 'enum', n: 'integer', x: 'number', on: 'boolean', obj: 'json' });
    expect(initialValue(more.find((f) => f.name === 'on')!)).toBe(true);
    expect(initialValue(more.find((f) => f.name === 'period')!)).toBe('MTD');
  });

  it('builds the arguments and reports what a form can catch', () => {
    const fields = fieldsOf(echoTable);
    expect(toArguments(fields, { columns: ['region', ' amount ', ''], rows: '[["north", 10]]', title: '' })).toEqual({
      args: { columns: ['region', 'amount'], rows: [['north', 10]] },
      problems: {},
    });
    expect(toArguments(fields, { columns: [''], rows: '[oops', title: 'x' }).problems).toEqual({ columns: { key: 'required' }, rows: { key: 'invalidJson' } });
    const numbers = fieldsOf({ properties: { n: { type: 'integer', minimum: 1, maximum: 5 } } });
    expect(toArguments(numbers, { n: '2.5' }).problems.n?.key).toBe('notAnInteger');
    expect(toArguments(numbers, { n: '9' }).problems.n).toEqual({ key: 'aboveMaximum', params: { max: 5 } });
    expect(toArguments(numbers, { n: '3' }).args).toEqual({ n: 3 });
  });

  it('maps the kernel validation paths to fields', () => {
    expect(fieldOfPath('arguments.rows.3')).toBe('rows');
    expect(fieldOfPath('body.arguments.columns')).toBe('columns');
    expect(fieldOfPath('body.other')).toBeNull();
  });
});
