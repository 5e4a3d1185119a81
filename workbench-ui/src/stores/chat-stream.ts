// The live side of chat: the one socket, the conversations subscribed to, and each answer's turn
// built from the stream. Every conversation remembers the last sequence number applied, so a
// reconnection re-subscribes with it and an event is never applied twice.
import { defineStore } from 'pinia';
import { reactive, ref, watch } from 'vue';
import { ChatSocket, type ChatEvent, type ConnectionState } from '../socket/chat-socket.ts';
import { applyEvent, emptyTurn, turnFromMessages, type ChatMessage, type Turn } from './chat-turns.ts';
import { useSessionStore } from './session.ts';

interface ConversationStream {
  lastSeq: number;
  /** Turns seen on the stream, by turn id. */
  turns: Map<string, Turn>;
  /** Stored messages of answers, to start a turn from when its first events are no longer kept. */
  stored: Map<string, ChatMessage[]>;
  running: boolean;
  /** Where the first subscription starts: 0 replays every kept event, absent starts now. */
  firstAfter: number | undefined;
}

export interface SendOptions {
  content: string;
  /** Absent: after the active leaf; null: a new root; a message id: a branch there. */
  parentId?: string | null;
  provider?: string;
  model?: string;
}

export interface TurnStarted {
  conversationId: string;
  userMessageId: string;
  turnId: string;
  afterSeq: number;
}

export const useChatStreamStore = defineStore('chat-stream', () => {
  const session = useSessionStore();
  const connection = ref<ConnectionState>('idle');
  const streams = reactive(new Map<string, ConversationStream>());
  /** Told when events were lost (older than the kernel keeps): the conversation should reload. */
  const resyncHandlers = new Set<(conversationId: string) => void>();
  /** Told when an answer ended, so the stored messages can be read again. */
  const endHandlers = new Set<(conversationId: string, turnId: string) => void>();

  const socket = new ChatSocket({
    onEvent: (event) => apply(event),
    onConnected: () => {
      for (const id of streams.keys()) void subscribe(id).catch(() => undefined);
    },
    onState: (state) => (connection.value = state),
  });

  function streamOf(conversationId: string): ConversationStream {
    let stream = streams.get(conversationId);
    if (!stream) {
      streams.set(conversationId, { lastSeq: 0, turns: new Map(), stored: new Map(), running: false, firstAfter: undefined });
      stream = streams.get(conversationId)!;
    }
    return stream;
  }

  function apply(event: ChatEvent): void {
    const stream = streams.get(event.conversationId);
    if (!stream || event.seq <= stream.lastSeq) return;
    stream.lastSeq = event.seq;
    let turn = stream.turns.get(event.turnId);
    if (!turn) {
      // Without its start, the turn continues from what was stored when the conversation loaded.
      const stored = stream.stored.get(event.turnId);
      stream.turns.set(
        event.turnId,
        stored && event.type !== 'message.started' ? turnFromMessages(event.turnId, stored) : emptyTurn(event.turnId),
      );
      turn = stream.turns.get(event.turnId)!;
    }
    const wasStreaming = turn.status === 'streaming';
    applyEvent(turn, event);
    stream.running = turn.status === 'streaming';
    if (wasStreaming && !stream.running) for (const handler of endHandlers) handler(event.conversationId, event.turnId);
  }

  async function subscribe(conversationId: string): Promise<void> {
    const stream = streamOf(conversationId);
    // Not connected yet: the connection's `onConnected` subscribes everything open.
    if (!socket.connected) return;
    const from = stream.lastSeq || stream.firstAfter;
    const ack = await socket.call<{ lastSeq: number; complete: boolean; running: boolean }>('subscribe', {
      conversationId,
      ...(from === undefined ? {} : { after: from }),
    });
    // Without `after` the kernel starts at its newest event: nothing older is owed to us.
    if (from === undefined) stream.lastSeq = Math.max(stream.lastSeq, ack.lastSeq);
    // From now on, a re-subscription asks for everything after what was seen (possibly nothing).
    stream.firstAfter = 0;
    stream.running = ack.running;
    if (!ack.complete) for (const handler of resyncHandlers) handler(conversationId);
  }

  /**
   * Follows a conversation whose stored messages were just loaded. An answer still being written
   * is replayed from the start of the kept events, so its text arrives whole and exactly once.
   */
  async function open(conversationId: string, answers: { turnId: string; messages: ChatMessage[] }[]): Promise<void> {
    const known = streams.has(conversationId);
    const stream = streamOf(conversationId);
    stream.stored = new Map(answers.map((a) => [a.turnId, a.messages]));
    if (known) return;
    // A new conversation has nothing to replay, and an answer being written must be replayed whole.
    const streaming = answers.some((a) => a.messages.some((m) => m.status === 'streaming'));
    stream.firstAfter = streaming || answers.length === 0 ? 0 : undefined;
    await subscribe(conversationId);
  }

  /** Forgets a conversation's stream (after a reload of its messages, or when it was deleted). */
  function reset(conversationId: string): void {
    streams.delete(conversationId);
  }

  async function close(conversationId: string): Promise<void> {
    const stream = streams.get(conversationId);
    // A conversation still answering stays subscribed, so its answer completes in the background.
    if (!stream || stream.running) return;
    streams.delete(conversationId);
    await socket.call('unsubscribe', { conversationId }).catch(() => undefined);
  }

  function turn(conversationId: string, turnId: string | null): Turn | undefined {
    return turnId ? streams.get(conversationId)?.turns.get(turnId) : undefined;
  }

  function isRunning(conversationId: string | null): boolean {
    return !!conversationId && !!streams.get(conversationId)?.running;
  }

  async function send(conversationId: string, options: SendOptions): Promise<TurnStarted> {
    if (!streams.has(conversationId)) await open(conversationId, []);
    const started = await socket.call<TurnStarted>('send', { conversationId, ...options });
    const stream = streamOf(conversationId);
    stream.running = true;
    if (!stream.turns.has(started.turnId)) stream.turns.set(started.turnId, emptyTurn(started.turnId));
    return started;
  }

  async function cancel(conversationId: string): Promise<void> {
    await socket.call('cancel', { conversationId });
  }

  async function decide(conversationId: string, callId: string, approve: boolean): Promise<void> {
    await socket.call('decide', { conversationId, callId, approve });
  }

  function onResync(handler: (conversationId: string) => void): { dispose(): void } {
    resyncHandlers.add(handler);
    return { dispose: () => resyncHandlers.delete(handler) };
  }

  function onTurnEnded(handler: (conversationId: string, turnId: string) => void): { dispose(): void } {
    endHandlers.add(handler);
    return { dispose: () => endHandlers.delete(handler) };
  }

  // The socket belongs to a signed-in user in one tenant.
  watch(
    () => [session.status, session.currentTenant?.slug] as const,
    ([status, tenant]) => {
      streams.clear();
      if (status === 'signedIn' && tenant) socket.connect(tenant);
      else socket.disconnect();
    },
    { immediate: true },
  );

  return { connection, open, close, reset, turn, isRunning, send, cancel, decide, onResync, onTurnEnded };
});
