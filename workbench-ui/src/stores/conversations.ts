// The user's conversations in the current tenant: the list (with title search), the one open in
// the chat with its active path, and what changes them (start, rename, delete, switch branch).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { api, ApiError } from '../api/http.ts';
import type { ModelList, ModelOption } from '../api/types.ts';
import { newestPathFrom, type ChatMessage } from './chat-turns.ts';
import { useSessionStore } from './session.ts';

export interface Conversation {
  id: string;
  workspaceId: string;
  title: string;
  activeLeafId: string | null;
  provider: string | null;
  model: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationDetail extends Conversation {
  /** Root to active leaf. */
  path: ChatMessage[];
  /** For each message on the path that has siblings: all their ids, oldest first. */
  alternatives: Record<string, string[]>;
}

export type { ModelOption };

export const useConversationsStore = defineStore('conversations', () => {
  const session = useSessionStore();
  const items = ref<Conversation[]>([]);
  const query = ref('');
  const loading = ref(false);
  const loadError = ref<unknown>(null);
  const current = shallowRef<ConversationDetail | null>(null);
  /** null until loaded; empty when the kernel has no model list. */
  const models = ref<ModelOption[] | null>(null);
  /** Set when the kernel says no model can answer in this tenant: how to configure one. */
  const modelHelp = ref<string | null>(null);
  let listRequest = 0;

  const currentId = computed(() => current.value?.id ?? null);

  async function load(q = query.value): Promise<void> {
    query.value = q;
    const request = ++listRequest;
    loading.value = true;
    try {
      const list = await api.get<Conversation[]>('/v1/conversations', { query: { q: q.trim() || undefined } });
      // A slower answer to an older search must not replace a newer one.
      if (request !== listRequest) return;
      items.value = list;
      loadError.value = null;
    } catch (error) {
      if (request === listRequest) loadError.value = error;
    } finally {
      if (request === listRequest) loading.value = false;
    }
  }

  function remember(conversation: Conversation): void {
    const rest = items.value.filter((c) => c.id !== conversation.id);
    const matches = !query.value.trim() || conversation.title.toLowerCase().includes(query.value.trim().toLowerCase());
    items.value = matches ? [conversation, ...rest].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)) : rest;
  }

  async function create(): Promise<Conversation> {
    const conversation = await api.post<Conversation>('/v1/conversations', {});
    remember(conversation);
    return conversation;
  }

  function adopt(detail: ConversationDetail): void {
    current.value = detail;
    // The list shows what was just read (a first question gives the conversation its title).
    const { path: _path, alternatives: _alternatives, ...summary } = detail;
    remember(summary);
  }

  async function open(id: string): Promise<ConversationDetail> {
    const detail = await api.get<ConversationDetail>(`/v1/conversations/${encodeURIComponent(id)}`);
    adopt(detail);
    return detail;
  }

  /** Reads the open conversation again (after an answer, a branch switch). */
  async function refresh(): Promise<void> {
    const id = current.value?.id;
    if (!id) return;
    const detail = await api.get<ConversationDetail>(`/v1/conversations/${encodeURIComponent(id)}`);
    if (current.value?.id === id) adopt(detail);
  }

  function close(): void {
    current.value = null;
  }

  async function rename(id: string, title: string): Promise<void> {
    const updated = await api.patch<Conversation>(`/v1/conversations/${encodeURIComponent(id)}`, { title });
    remember(updated);
    if (current.value?.id === id) current.value = { ...current.value, title: updated.title };
  }

  async function remove(id: string): Promise<void> {
    await api.delete(`/v1/conversations/${encodeURIComponent(id)}`);
    items.value = items.value.filter((c) => c.id !== id);
    if (current.value?.id === id) current.value = null;
  }

  /** Every message of the conversation, every branch (the JSON export of the whole tree). */
  async function tree(id: string): Promise<ChatMessage[]> {
    const exported = await api.get<{ messages: ChatMessage[] }>(`/v1/conversations/${encodeURIComponent(id)}/export`, {
      query: { format: 'json', scope: 'tree' },
    });
    return exported.messages;
  }

  /** Makes a sibling branch the active one, continuing to its newest answer. */
  async function switchBranch(id: string, siblingId: string): Promise<void> {
    const leaf = newestPathFrom(await tree(id), siblingId).at(-1);
    if (!leaf) return;
    await api.patch(`/v1/conversations/${encodeURIComponent(id)}`, { activeLeafId: leaf.id });
    await refresh();
  }

  async function loadModels(): Promise<void> {
    try {
      const listing = await api.get<ModelList | ModelOption[]>('/v1/models');
      models.value = Array.isArray(listing) ? listing : listing.models;
      modelHelp.value = !Array.isArray(listing) && !listing.configured ? (listing.help ?? null) : null;
    } catch (error) {
      // A kernel without a model list: the kernel picks the model, the picker stays hidden.
      models.value = [];
      modelHelp.value = null;
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 403)) throw error;
    }
  }

  // Conversations belong to the tenant they were started in.
  watch(
    () => [session.status, session.currentTenant?.slug] as const,
    () => {
      items.value = [];
      current.value = null;
      models.value = null;
      modelHelp.value = null;
      query.value = '';
    },
  );

  return {
    items,
    query,
    loading,
    loadError,
    current,
    currentId,
    models,
    modelHelp,
    load,
    create,
    open,
    refresh,
    close,
    rename,
    remove,
    tree,
    switchBranch,
    loadModels,
  };
});
