// Artifacts produced in this session (tool results for now, chat answers later), the one shown in
// the artifact panel, whether the panel is open, and the one shown full screen.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { Artifact } from '../api/types.ts';
import { useSessionStore } from './session.ts';

export interface ArtifactEntry extends Artifact {
  /** Unique in this session: `<callId>:<index>`. */
  id: string;
  title: string;
  source: { tool: string; callId: string };
  createdAt: number;
  /** Stored artifacts (from chat): the registry's id and version, and where it was made. */
  artifactId?: string;
  version?: number;
  conversationId?: string;
}

const PANEL_KEY = 'penny.artifactPanel';

export const useArtifactsStore = defineStore('artifacts', () => {
  const session = useSessionStore();
  // shallowRef: artifact data can hold thousands of rows that never change; deep reactivity would
  // only cost memory and time.
  const entries = shallowRef<ArtifactEntry[]>([]);
  const selectedId = ref<string | null>(null);
  const fullscreenId = ref<string | null>(null);
  const panelOpen = ref(localStorage.getItem(PANEL_KEY) !== 'closed');

  const selected = computed(() => entries.value.find((a) => a.id === selectedId.value) ?? entries.value[0] ?? null);
  const fullscreen = computed(() => entries.value.find((a) => a.id === fullscreenId.value) ?? null);

  function add(artifacts: Artifact[], source: { tool: string; callId: string }): ArtifactEntry[] {
    const added = artifacts.map((artifact, index) => ({
      ...artifact,
      id: `${source.callId}:${index}`,
      title: artifact.title || `${source.tool} #${index + 1}`,
      source,
      createdAt: Date.now(),
    }));
    entries.value = [...added, ...entries.value];
    if (added[0]) selectedId.value = added[0].id;
    return added;
  }

  /** Adds an artifact under an id of the caller's choosing (chat uses `<artifactId>@<version>`), once. */
  function put(entry: ArtifactEntry): ArtifactEntry {
    const existing = entries.value.find((a) => a.id === entry.id);
    if (existing) return existing;
    const pinned = entries.value.filter((a) => pinnedIds.value.has(a.id));
    entries.value = [...pinned, entry, ...entries.value.filter((a) => !pinnedIds.value.has(a.id))];
    return entry;
  }

  // Pinned artifacts stay at the top of the panel's list while newer ones arrive.
  const pinnedIds = shallowRef<ReadonlySet<string>>(new Set());
  function togglePin(id: string): void {
    const next = new Set(pinnedIds.value);
    if (!next.delete(id)) next.add(id);
    pinnedIds.value = next;
    entries.value = [...entries.value.filter((a) => next.has(a.id)), ...entries.value.filter((a) => !next.has(a.id))];
  }

  function show(id: string): void {
    selectedId.value = id;
    setPanelOpen(true);
  }

  function setPanelOpen(open: boolean): void {
    panelOpen.value = open;
    localStorage.setItem(PANEL_KEY, open ? 'open' : 'closed');
  }

  function openFullscreen(id: string): void {
    fullscreenId.value = id;
  }

  function closeFullscreen(): void {
    fullscreenId.value = null;
  }

  // Artifacts belong to the tenant they were made in.
  watch(
    () => session.currentTenant?.slug,
    () => {
      entries.value = [];
      pinnedIds.value = new Set();
      selectedId.value = null;
      fullscreenId.value = null;
    },
  );

  return {
    entries,
    selected,
    selectedId,
    fullscreen,
    panelOpen,
    pinnedIds,
    add,
    put,
    togglePin,
    show,
    setPanelOpen,
    openFullscreen,
    closeFullscreen,
  };
});
