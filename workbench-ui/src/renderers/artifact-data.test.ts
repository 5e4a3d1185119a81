import { describe, expect, it } from 'vitest';
import { cellText, imageSource, sortedRowOrder, tableOf, textOf } from './artifact-data.ts';

describe('artifact data', () => {
  it('reads tables defensively', () => {
    expect(tableOf({ columns: [{ name: 'a' }, 'b', 3], rows: [[1, 2], 'x'] })).toEqual({ columns: [{ name: 'a' }, { name: 'b' }, { name: '#3' }], rows: [[1, 2], ['x']] });
    expect(tableOf([1, 2])).toBeNull();
    expect(tableOf({ columns: [] })).toBeNull();
  });

  it('sorts numbers numerically, text naturally, keeps empties last and ties stable', () => {
    const rows = [[10], [9], [null], [100], [9]];
    expect(sortedRowOrder(rows, 0, 'ascending')).toEqual([1, 4, 0, 3, 2]);
    expect(sortedRowOrder(rows, 0, 'descending')).toEqual([3, 0, 1, 4, 2]);
    expect(sortedRowOrder([['item 10'], ['item 9'], ['Item 1']], 0, 'ascending')).toEqual([2, 1, 0]);
    expect(sortedRowOrder(rows, null, 'ascending')).toEqual([0, 1, 2, 3, 4]);
  });

  it('turns payloads into text and images into data URLs only when they are base64', () => {
    expect(textOf({ mimeType: 'text/plain', title: '', data: 'aGVsbG8=', encoding: 'base64' })).toBe('hello');
    expect(textOf({ mimeType: 'application/json', title: '', data: { a: 1 } })).toBe('{\n  "a": 1\n}');
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(imageSource({ mimeType: 'image/png', title: '', data: 'iVBORw0KGgo=' })).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(imageSource({ mimeType: 'image/png', title: '', data: 'javascript:alert(1)' })).toBeNull();
    expect(imageSource({ mimeType: 'text/html', title: '', data: 'aGk=' })).toBeNull();
  });
});
