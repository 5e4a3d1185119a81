// A small Markdown subset parsed into a tree that MarkdownRenderer turns into Vue nodes. Nothing is
// ever interpreted as HTML: `<script>` stays text, and only http(s) and mailto links become links.
// Supported: headings, paragraphs, emphasis, strong, inline code, fenced code, lists, quotes, rules,
// links and bare URLs.

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong' | 'em'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: Inline[] };

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'code'; lang: string; text: string }
  | { type: 'list'; ordered: boolean; start: number; items: Inline[][] }
  | { type: 'quote'; children: Block[] }
  | { type: 'rule' };

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const ITEM = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;
const BLANK = /^\s*$/;
const MAX_DEPTH = 8;

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

export function parseMarkdown(source: string, depth = 0): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (BLANK.test(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      blocks.push({ type: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1]!.length as 1 | 2 | 3 | 4 | 5 | 6, children: parseInline(heading[2]!) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) quoted.push(QUOTE.exec(lines[i++]!)![1]!);
      const inner = quoted.join('\n');
      blocks.push(depth < MAX_DEPTH ? { type: 'quote', children: parseMarkdown(inner, depth + 1) } : { type: 'paragraph', children: parseInline(inner) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]!);
      const start = ordered ? parseInt(item[1]!, 10) : 1;
      const items: string[] = [];
      while (i < lines.length) {
        const next = ITEM.exec(lines[i]!);
        if (next && /\d/.test(next[1]!) === ordered) {
          items.push(next[2]!);
          i++;
        } else if (items.length && /^\s{2,}\S/.test(lines[i]!)) {
          items[items.length - 1] += ` ${lines[i++]!.trim()}`;
        } else break;
      }
      blocks.push({ type: 'list', ordered, start, items: items.map((text) => parseInline(text)) });
      continue;
    }
    const paragraph = [line];
    i++;
    while (i < lines.length && !BLANK.test(lines[i]!) && !startsBlock(lines[i]!)) paragraph.push(lines[i++]!);
    blocks.push({ type: 'paragraph', children: parseInline(paragraph.map((l) => l.trim()).join('\n')) });
  }
  return blocks;
}

const INLINE = /`([^`\n]+)`|\[([^\]\n]+)\]\(\s*([^)\s]+)\s*\)|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s](?:[^*]*[^*\s])?)\*|\b_([^_\s](?:[^_]*[^_\s])?)_\b|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])/g;

/** Only web and mail links; `javascript:`, `data:` and relative tricks stay plain text. */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:' ? url.href : null;
  } catch {
    return null;
  }
}

export function parseInline(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  const push = (value: string) => {
    if (!value) return;
    const last = out[out.length - 1];
    if (last?.type === 'text') last.text += value;
    else out.push({ type: 'text', text: value });
  };
  const nested = (inner: string) => (depth < MAX_DEPTH ? parseInline(inner, depth + 1) : [{ type: 'text' as const, text: inner }]);
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    push(text.slice(last, match.index));
    last = match.index + match[0].length;
    const [whole, code, label, href, strong1, strong2, em1, em2, bare] = match;
    if (code !== undefined) out.push({ type: 'code', text: code });
    else if (label !== undefined) {
      const safe = safeHref(href!);
      if (safe) out.push({ type: 'link', href: safe, children: nested(label) });
      else push(whole);
    } else if (strong1 !== undefined || strong2 !== undefined) out.push({ type: 'strong', children: nested((strong1 ?? strong2)!) });
    else if (em1 !== undefined || em2 !== undefined) out.push({ type: 'em', children: nested((em1 ?? em2)!) });
    else if (bare !== undefined) {
      const safe = safeHref(bare);
      if (safe) out.push({ type: 'link', href: safe, children: [{ type: 'text', text: bare }] });
      else push(whole);
    }
  }
  push(text.slice(last));
  return out;
}
