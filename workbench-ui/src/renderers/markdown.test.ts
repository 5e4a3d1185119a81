import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from './markdown.ts';

describe('markdown subset', () => {
  it('keeps HTML as text', () => {
    const blocks = parseMarkdown('<script>alert(1)</script> and <img src=x onerror=alert(1)>');
    expect(blocks).toEqual([{ type: 'paragraph', children: [{ type: 'text', text: '<script>alert(1)</script> and <img src=x onerror=alert(1)>' }] }]);
  });

  it('turns only web and mail links into links', () => {
    expect(parseInline('[ok](https://example.com/a) [bad](javascript:alert(1)) [data](data:text/html,x)')).toEqual([
      { type: 'link', href: 'https://example.com/a', children: [{ type: 'text', text: 'ok' }] },
      { type: 'text', text: ' [bad](javascript:alert(1)) [data](data:text/html,x)' },
    ]);
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(safeHref('/relative')).toBeNull();
    expect(safeHref('vbscript:x')).toBeNull();
  });

  it('parses headings, lists, code, quotes, rules and emphasis', () => {
    const blocks = parseMarkdown(['# Title', '', '- one', '- **two**', '', '1. first', '2. second', '', '```ts', 'const a = 1 < 2;', '```', '> quoted *text*', '', '---', 'plain `code` here'].join('\n'));
    expect(blocks.map((b) => b.type)).toEqual(['heading', 'list', 'list', 'code', 'quote', 'rule', 'paragraph']);
    expect(blocks[1]).toEqual({ type: 'list', ordered: false, start: 1, items: [[{ type: 'text', text: 'one' }], [{ type: 'strong', children: [{ type: 'text', text: 'two' }] }]] });
    expect(blocks[3]).toEqual({ type: 'code', lang: 'ts', text: 'const a = 1 < 2;' });
    expect(blocks[6]).toEqual({ type: 'paragraph', children: [{ type: 'text', text: 'plain ' }, { type: 'code', text: 'code' }, { type: 'text', text: ' here' }] });
  });

  it('links bare URLs without swallowing the trailing punctuation', () => {
    expect(parseInline('See https://example.com/docs.')).toEqual([
      { type: 'text', text: 'See ' },
      { type: 'link', href: 'https://example.com/docs', children: [{ type: 'text', text: 'https://example.com/docs' }] },
      { type: 'text', text: '.' },
    ]);
  });

  it('bounds nesting, so hostile input cannot recurse without end', () => {
    const deep = `${'> '.repeat(200)}x`;
    expect(() => parseMarkdown(deep)).not.toThrow();
    expect(() => parseInline('**'.repeat(500) + 'x' + '**'.repeat(500))).not.toThrow();
  });
});
