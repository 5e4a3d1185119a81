// Resumable answer streams. Every event of a conversation gets a sequence number and is kept for a
// while after the answer ends, so a client that reconnects with the last number it saw receives
// exactly what it missed (also when the answer finished meanwhile), then the live rest.
import { injectable } from 'inversify';
import { toDisposable, type Disposable } from '../core/lifecycle.ts';

export type ChatEventType =
  | 'message.started'
  | 'message.delta'
  | 'toolCall.requested'
  | 'toolCall.approved'
  | 'toolCall.denied'
  | 'toolCall.started'
  | 'toolCall.finished'
  | 'artifact.created'
  | 'message.completed'
  | 'message.cancelled'
  | 'message.error';

export interface ChatEvent {
  seq: number;
  type: ChatEventType;
  conversationId: string;
  /** The turn this event belongs to (its first assistant message). */
  turnId: string;
  messageId: string;
  data: Record<string, unknown>;
  at: string;
}

export const TERMINAL_EVENTS: ReadonlySet<ChatEventType> = new Set(['message.completed', 'message.cancelled', 'message.error']);

interface Channel {
  events: ChatEvent[];
  nextSeq: number;
  listeners: Set<(event: ChatEvent) => void>;
  touchedAt: number;
  /** Whether this kernel has numbered a turn of the conversation (else it cannot replay anything). */
  known: boolean;
}

const MAX_EVENTS_KEPT = 20_000;
/**
 * Sequence numbers of a conversation's n-th turn start above n × TURN_SEQ_SPAN: numbers stay
 * unique and increasing across kernels (the turn number comes from the database), and contiguous
 * within a turn.
 */
export const TURN_SEQ_SPAN = 10_000_000;
const RETAIN_MS = 30 * 60_000;

@injectable()
export class StreamHub {
  private readonly channels = new Map<string, Channel>();
  private readonly taps = new Set<(tenantId: string, event: ChatEvent) => void>();
  private lastSweep = Date.now();

  private channel(tenantId: string, conversationId: string): Channel {
    const key = `${tenantId}/${conversationId}`;
    let ch = this.channels.get(key);
    if (!ch) this.channels.set(key, (ch = { events: [], nextSeq: 1, listeners: new Set(), touchedAt: Date.now(), known: false }));
    return ch;
  }

  lastSeq(tenantId: string, conversationId: string): number {
    return this.channel(tenantId, conversationId).nextSeq - 1;
  }

  /** Numbers the events of a conversation's `turnNumber`-th turn; returns the seq they follow. */
  beginTurn(tenantId: string, conversationId: string, turnNumber: number): number {
    const ch = this.channel(tenantId, conversationId);
    ch.nextSeq = Math.max(ch.nextSeq, turnNumber * TURN_SEQ_SPAN + 1);
    ch.known = true;
    return ch.nextSeq - 1;
  }

  publish(tenantId: string, event: Omit<ChatEvent, 'seq' | 'at'>): ChatEvent {
    const ch = this.channel(tenantId, event.conversationId);
    const full: ChatEvent = { ...event, seq: ch.nextSeq++, at: new Date().toISOString() };
    ch.events.push(full);
    if (ch.events.length > MAX_EVENTS_KEPT) ch.events.splice(0, ch.events.length - MAX_EVENTS_KEPT);
    ch.touchedAt = Date.now();
    for (const listener of ch.listeners) listener(full);
    for (const tap of this.taps) tap(tenantId, full);
    this.sweep();
    return full;
  }

  /**
   * Replays events after `afterSeq`, then delivers new ones as they come. `complete` is false when
   * the client asked for events older than what is still kept (it should then reload the messages).
   */
  subscribe(tenantId: string, conversationId: string, afterSeq: number, listener: (event: ChatEvent) => void): Disposable & { complete: boolean } {
    const ch = this.channel(tenantId, conversationId);
    const oldest = ch.events[0]?.seq ?? ch.nextSeq;
    for (const event of ch.events) if (event.seq > afterSeq) listener(event);
    ch.listeners.add(listener);
    const sub = toDisposable(() => ch.listeners.delete(listener));
    // A turn produced by another kernel (or before a restart) is not here: past events of it
    // cannot be replayed, and the client should reload the messages.
    const complete = afterSeq <= 0 || (ch.known && afterSeq >= oldest - 1);
    return Object.assign(sub, { complete });
  }

  /** Sees every event of every conversation (the socket gateway fans them out to rooms). */
  tap(listener: (tenantId: string, event: ChatEvent) => void): Disposable {
    this.taps.add(listener);
    return toDisposable(() => this.taps.delete(listener));
  }

  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, ch] of this.channels) if (ch.listeners.size === 0 && now - ch.touchedAt > RETAIN_MS) this.channels.delete(key);
  }
}
