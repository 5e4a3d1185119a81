import { describe, expect, it } from 'vitest';
import { defineComponent } from 'vue';
import { matchScore, RendererRegistry } from './registry.ts';

const component = defineComponent({ render: () => null });

describe('renderer registry', () => {
  it('prefers exact types over wildcards over the fallback', () => {
    const registry = new RendererRegistry();
    registry.register({ id: 'json', label: 'JSON', mimeTypes: ['application/json', '*/*'], component, priority: -1 });
    registry.register({ id: 'code', label: 'Code', mimeTypes: ['text/*'], component });
    registry.register({ id: 'markdown', label: 'Markdown', mimeTypes: ['text/markdown'], component });
    expect(registry.resolve('text/markdown')?.id).toBe('markdown');
    expect(registry.resolve('text/markdown; charset=utf-8')?.id).toBe('markdown');
    expect(registry.resolve('text/x-python')?.id).toBe('code');
    expect(registry.resolve('application/vnd.unknown')?.id).toBe('json');
    expect(registry.resolve('application/json')?.id).toBe('json');
  });

  it('lets a later registration for the same type win, and undo itself when disposed', () => {
    const registry = new RendererRegistry();
    registry.register({ id: 'builtin.table', label: 'Table', mimeTypes: ['application/vnd.penny.table+json'], component });
    const contributed = registry.register({ id: 'acme/table', label: 'Acme table', mimeTypes: ['application/vnd.penny.table+json'], component });
    expect(registry.resolve('application/vnd.penny.table+json')?.id).toBe('acme/table');
    contributed.dispose();
    expect(registry.resolve('application/vnd.penny.table+json')?.id).toBe('builtin.table');
  });

  it('refuses duplicate ids and matches case-insensitively', () => {
    const registry = new RendererRegistry();
    registry.register({ id: 'img', label: 'Image', mimeTypes: ['image/*'], component });
    expect(() => registry.register({ id: 'img', label: 'Image', mimeTypes: ['image/png'], component })).toThrow(/already registered/);
    expect(matchScore('image/*', 'IMAGE/PNG')).toBe(2);
    expect(matchScore('image/*', 'imagex/png')).toBe(0);
    expect(registry.resolve('video/mp4')).toBeNull();
  });
});
