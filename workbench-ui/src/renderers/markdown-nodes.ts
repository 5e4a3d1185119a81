// Turns the parsed Markdown tree into Vue nodes: text is always text, so no HTML from an artifact
// can reach the page.
import { h, type VNode } from 'vue';
import type { Block, Inline } from './markdown.ts';

function inlines(nodes: Inline[]): (VNode | string)[] {
  return nodes.map((node) => {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'code':
        return h('code', node.text);
      case 'strong':
        return h('strong', inlines(node.children));
      case 'em':
        return h('em', inlines(node.children));
      case 'link':
        return h('a', { href: node.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, inlines(node.children));
    }
  });
}

export function renderBlocks(blocks: Block[]): VNode[] {
  return blocks.map((block) => {
    switch (block.type) {
      case 'heading':
        return h(`h${block.level}`, inlines(block.children));
      case 'paragraph':
        return h('p', inlines(block.children));
      case 'code':
        return h('pre', { class: 'code-block', 'data-lang': block.lang || undefined }, [h('code', block.text)]);
      case 'list':
        return h(block.ordered ? 'ol' : 'ul', block.ordered && block.start !== 1 ? { start: block.start } : {}, block.items.map((item) => h('li', inlines(item))));
      case 'quote':
        return h('blockquote', renderBlocks(block.children));
      case 'rule':
        return h('hr');
    }
  });
}
