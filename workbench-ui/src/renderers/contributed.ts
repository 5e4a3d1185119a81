// Renderers contributed by the tenant's extensions (GET /v1/contributions) join the one registry:
// each mime type they declare renders in a sandboxed frame running the extension's `browser` entry.
// Re-registered whenever the contributions change (tenant switch, install, uninstall).
import { defineAsyncComponent, defineComponent, h, type PropType } from 'vue';
import { watch } from 'vue';
import { useContributionsStore } from '../stores/contributions.ts';
import {
  renderers as workbenchRenderers,
  type Disposable,
  type RenderableArtifact,
  type RendererRegistry,
  type RenderMode,
} from './registry.ts';

const IframeRenderer = defineAsyncComponent(() => import('./IframeRenderer.vue'));

function frameRenderer(extensionId: string, rendererId: string) {
  return defineComponent({
    name: 'ContributedRenderer',
    props: {
      artifact: { type: Object as PropType<RenderableArtifact>, required: true },
      mode: { type: String as PropType<RenderMode>, required: true },
    },
    setup: (props) => () => h(IframeRenderer, { artifact: props.artifact, mode: props.mode, extensionId, rendererId }),
  });
}

/** Keeps the registry in step with the contributions; call once from a component's setup. */
export function useContributedRenderers(registry: RendererRegistry = workbenchRenderers): void {
  const contributions = useContributionsStore();
  let registered: Disposable[] = [];
  watch(
    () => contributions.artifactRenderers,
    (list) => {
      for (const d of registered) d.dispose();
      registered = list.map((r) =>
        registry.register({
          id: `${r.extensionId}/${r.id}`,
          label: r.displayName,
          mimeTypes: r.mimeTypes,
          component: frameRenderer(r.extensionId, r.id),
          priority: 1,
        }),
      );
    },
    { immediate: true },
  );
}
