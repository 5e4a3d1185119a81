// Runs a composer prompt as a new conversation: create it, ask with Accept: application/json (202),
// then read the answer's Server-Sent Events with fetch (EventSource cannot send the tenant header).
import { api, ApiError } from '../../api/http.ts';

export interface StreamEvent {
  seq: number;
  type: string;
  turnId?: string;
  data: Record<string, unknown>;
}

interface Started {
  conversationId: string;
  afterSeq: number;
}

export interface PromptRunHandlers {
  onConversation(id: string): void;
  onEvent(event: StreamEvent): void;
}

/** Splits an SSE text buffer into complete events; returns the unparsed rest. */
export function parseSse(buffer: string, emit: (event: StreamEvent) => void): string {
  let cut: number;
  while ((cut = buffer.indexOf('\n\n')) >= 0) {
    const block = buffer.slice(0, cut);
    buffer = buffer.slice(cut + 2);
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    try {
      const parsed = JSON.parse(data) as StreamEvent;
      if (parsed && typeof parsed.type === 'string') emit(parsed);
    } catch {
      // A notice that is not an event (e.g. stream.gap's plain detail) has no place in the answer.
    }
  }
  return buffer;
}

export async function runPrompt(prompt: string, tenant: string, handlers: PromptRunHandlers, signal: AbortSignal): Promise<void> {
  const title = prompt.replace(/\s+/g, ' ').trim().slice(0, 80) || 'Composer';
  const conversation = await api.post<{ id: string }>('/v1/conversations', { title }, { signal });
  handlers.onConversation(conversation.id);
  const started = await api.post<Started>(`/v1/chat/${conversation.id}/messages`, { content: prompt }, { signal });
  const response = await fetch(`/v1/chat/${started.conversationId}/events?after=${started.afterSeq}`, {
    headers: { accept: 'text/event-stream', 'x-penny-tenant': tenant },
    credentials: 'same-origin',
    signal,
  });
  if (!response.ok || !response.body) throw new ApiError({ title: response.statusText || 'Error', status: response.status, detail: await response.text().catch(() => '') });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer = parseSse(buffer + decoder.decode(value, { stream: true }), handlers.onEvent);
  }
}
