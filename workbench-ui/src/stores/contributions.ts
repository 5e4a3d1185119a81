// What the current tenant's enabled extensions contribute (tools, commands, themes, renderers), read
// from GET /v1/contributions; reloaded when the tenant changes or an extension is (un)installed.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api } from '../api/http.ts';
import type { Contributions } from '../api/types.ts';
import { useSessionStore } from './session.ts';

const EMPTY: Contributions = { tools: [], commands: [], themes: [], artifactRenderers: [] };

export const useContributionsStore = defineStore('contributions', () => {
  const session = useSessionStore();
  const current = ref<Contributions>(EMPTY);
  const loaded = ref(false);

  async function load(): Promise<void> {
    if (!session.currentTenant || !session.can('extensions.read')) {
      current.value = EMPTY;
      return;
    }
    current.value = { ...EMPTY, ...(await api.get<Contributions>('/v1/contributions')) };
    loaded.value = true;
  }

  watch(
    () => [session.status, session.currentTenant?.slug] as const,
    () => {
      current.value = EMPTY;
      loaded.value = false;
      if (session.status === 'signedIn') void load().catch(() => undefined);
    },
    { immediate: true },
  );

  return {
    loaded,
    load,
    tools: computed(() => current.value.tools),
    commands: computed(() => current.value.commands),
    themes: computed(() => current.value.themes),
    artifactRenderers: computed(() => current.value.artifactRenderers),
  };
});
