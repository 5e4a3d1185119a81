// The tools the user may call in the current tenant and the calls made from the Tools view, each
// kept as a step (arguments, status, duration, result, artifacts) like a tool call in a chat.
import { defineStore } from 'pinia';
import { ref, watch, type Ref } from 'vue';
import { api, ApiError } from '../api/http.ts';
import type { JsonValue, Tool, ToolInvocation } from '../api/types.ts';
import { useArtifactsStore, type ArtifactEntry } from './artifacts.ts';
import { useSessionStore } from './session.ts';

export type CallStatus = 'running' | 'succeeded' | 'failed';

export interface ToolCall {
  /** Stable for the life of the call, for lists; `id` becomes the kernel's call id once known. */
  key: string;
  id: string;
  tool: string;
  extensionId: string;
  arguments: Record<string, JsonValue>;
  status: CallStatus;
  startedAt: number;
  /** Time the tool ran, as measured by the kernel. */
  durationMs: number | null;
  /** Time until the answer arrived here, including the network. */
  roundTripMs: number | null;
  content: JsonValue | null;
  artifacts: ArtifactEntry[];
  error: ApiError | Error | null;
}

let localIds = 0;

export const useToolsStore = defineStore('tools', () => {
  const session = useSessionStore();
  const artifacts = useArtifactsStore();
  const tools = ref<Tool[]>([]);
  const loading = ref(false);
  const loadError = ref<unknown>(null);
  // Typed by hand: unwrapping the recursive JsonValue type is too deep for the compiler.
  const calls: Ref<ToolCall[]> = ref([]);

  async function load(): Promise<void> {
    loading.value = true;
    loadError.value = null;
    try {
      tools.value = await api.get<Tool[]>('/v1/tools');
    } catch (error) {
      loadError.value = error;
      tools.value = [];
    } finally {
      loading.value = false;
    }
  }

  async function invoke(tool: Tool, args: Record<string, JsonValue>): Promise<ToolCall> {
    const key = `local-${++localIds}`;
    const draft: ToolCall = {
      key,
      id: key,
      tool: tool.name,
      extensionId: tool.extensionId,
      arguments: args,
      status: 'running',
      startedAt: Date.now(),
      durationMs: null,
      roundTripMs: null,
      content: null,
      artifacts: [],
      error: null,
    };
    calls.value = [draft, ...calls.value];
    const began = performance.now();
    // The reactive copy held by the list, so the step re-renders as the call progresses.
    const step = calls.value[0]!;
    try {
      const result = await api.post<ToolInvocation>(`/v1/tools/${encodeURIComponent(tool.name)}/invoke`, { arguments: args });
      step.id = result.callId;
      step.durationMs = result.durationMs;
      step.content = result.content;
      step.artifacts = artifacts.add(result.artifacts ?? [], { tool: tool.name, callId: result.callId });
      step.status = 'succeeded';
    } catch (error) {
      step.status = 'failed';
      step.error = error as Error;
    } finally {
      step.roundTripMs = Math.round(performance.now() - began);
    }
    return step;
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      tools.value = [];
      calls.value = [];
    },
  );

  return { tools, loading, loadError, calls, load, invoke };
});
