// The renderers the workbench ships with. Heavier ones load on first use, so an artifact type nobody
// opens costs nothing at start-up.
import { defineAsyncComponent } from 'vue';
import { TABLE_MIME } from './artifact-data.ts';
import { VEGA_LITE_MIMES } from './vega-mimes.ts';
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
      // Monaco, read-only; the lightweight code view shows the text while Monaco loads.
      component: defineAsyncComponent(() => import('./MonacoCodeRenderer.vue')),
    }),
    registry.register({ id: 'penny.vega-lite', label: 'Vega-Lite chart', mimeTypes: VEGA_LITE_MIMES, component: defineAsyncComponent(() => import('./VegaLiteRenderer.vue')) }),
    registry.register({ id: 'penny.dashboard', label: 'Dashboard', mimeTypes: ['application/vnd.penny.dashboard+json'], component: defineAsyncComponent(() => import('./DashboardRenderer.vue')) }),
    registry.register({ id: 'penny.image', label: 'Image', mimeTypes: ['image/*'], component: defineAsyncComponent(() => import('./ImageRenderer.vue')) }),
    registry.register({ id: 'penny.json', label: 'JSON', mimeTypes: ['application/json', '*/*'], component: JsonRenderer, priority: -1 }),
  ];
}
