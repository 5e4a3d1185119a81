// Presets: questions a user asks often, with the model to ask, kept by the kernel per user and
// tenant (the preference `chat.presets`), so they follow the user to another browser. Using one
// opens a new chat with the composer filled in.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { useRemotePreferencesStore } from './preferences-remote.ts';
import { useSessionStore } from './session.ts';

// A type, not an interface: it must be assignable to JsonValue to be stored.
export type Preset = {
  id: string;
  name: string;
  prompt: string;
  /** `provider/model`, or empty for the tenant's automatic choice. */
  model: string;
};

const KEY = 'chat.presets';
const MAX_PRESETS = 50;

const isPreset = (value: unknown): value is Preset =>
  !!value && typeof value === 'object' && ['id', 'name', 'prompt', 'model'].every((k) => typeof (value as Record<string, unknown>)[k] === 'string');

export const usePresetsStore = defineStore('presets', () => {
  const remote = useRemotePreferencesStore();
  const session = useSessionStore();
  const items = ref<Preset[] | null>(null);
  /** A preset chosen in the sidebar, waiting for the chat's composer to take it. */
  const pending = ref<Preset | null>(null);

  async function load(): Promise<void> {
    const stored = await remote.get<Preset[]>(KEY);
    items.value = Array.isArray(stored) ? stored.filter(isPreset) : [];
  }

  async function store(next: Preset[]): Promise<void> {
    await remote.set(KEY, next);
    items.value = next;
  }

  async function add(prompt: string, model: string): Promise<Preset> {
    if (items.value === null) await load();
    const firstLine = prompt.split('\n')[0]!.trim();
    const preset: Preset = { id: crypto.randomUUID(), name: firstLine.length > 60 ? `${firstLine.slice(0, 59)}…` : firstLine, prompt, model };
    await store([preset, ...items.value!].slice(0, MAX_PRESETS));
    return preset;
  }

  async function remove(id: string): Promise<void> {
    if (items.value === null) await load();
    await store(items.value!.filter((p) => p.id !== id));
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      items.value = null;
      pending.value = null;
    },
  );

  return { items, pending, load, add, remove };
});
