// The renderers the workbench ships with. Heavier ones load on first use, so an artifact type nobody
// opens costs nothing at start-up.
import { defineAsyncComponent } from 'vue';
import { TABLE_MIME } from './artifact-data.ts';
import type { Disposable, RendererRegistry } from './registry.ts';
import JsonRenderer from './JsonRenderer.vue';

export function registerBuiltinRenderers(registry: RendererRegistry): Disposable[] {
  return [
    registry.register({ id: 'penny.table', label: 'Table', mimeTypes: [TABLE_MIME], component: defineAsyncComponent(() => import('./TableRenderer.vue')) }),
    registry.register({ id: 'penny.markdown', label: 'Markdown', mimeTypes: ['text/markdown', 'text/x-markdown'], component: defineAsyncComponent(() => import('./MarkdownRenderer.vue')) }),
    registry.register({
      id: 'penny.code',
      label: 'Code',
      mimeTypes: ['text/*', 'application/javascript', 'application/typescript', 'application/x-python', 'application/x-sh', 'application/sql', 'application/xml', 'application/yaml'],
      component: defineAsyncComponent(() => import('./CodeRenderer.vue')),
    }),
    registry.register({ id: 'penny.image', label: 'Image', mimeTypes: ['image/*'], component: defineAsyncComponent(() => import('./ImageRenderer.vue')) }),
    registry.register({ id: 'penny.json', label: 'JSON', mimeTypes: ['application/json', '*/*'], component: JsonRenderer, priority: -1 }),
  ];
}
