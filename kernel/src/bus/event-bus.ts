// A typed publish/subscribe bus. In process by default; with Redis configured, every event also
// travels to the other kernel instances over Redis pub/sub (each instance delivers its own events
// locally and ignores their echo).
import { inject, injectable } from 'inversify';
import { Redis } from 'ioredis';
import { KernelConfig } from '../config/config.ts';
import { toDisposable, type Disposable, type LifecycleContribution } from '../core/lifecycle.ts';
import type { KernelEventName, KernelEvents } from './events.ts';

export interface EventEnvelope<K extends KernelEventName = KernelEventName> {
  name: K;
  payload: KernelEvents[K];
  origin: string;
  at: string;
}

export type EventHandler<K extends KernelEventName> = (payload: KernelEvents[K], envelope: EventEnvelope<K>) => void | Promise<void>;

export interface EventBus {
  on<K extends KernelEventName>(name: K, handler: EventHandler<K>): Disposable;
  /** Delivers to local subscribers (asynchronously) and to other instances. */
  emit<K extends KernelEventName>(name: K, payload: KernelEvents[K]): void;
}
export const EventBus = Symbol('EventBus');

type AnyHandler = (payload: unknown, envelope: EventEnvelope) => void | Promise<void>;

@injectable()
export class KernelEventBus implements EventBus, LifecycleContribution {
  readonly order = 20;
  private readonly handlers = new Map<string, Set<AnyHandler>>();
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;

  constructor(@inject(KernelConfig) private readonly config: KernelConfig) {}

  private get channel(): string {
    return `${this.config.redisPrefix}events`;
  }

  async start(): Promise<void> {
    if (!this.config.redisUrl) return;
    this.publisher = new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    this.subscriber = new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    await this.subscriber.subscribe(this.channel);
  }

  async stop(): Promise<void> {
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)));
    this.publisher = this.subscriber = undefined;
  }

  on<K extends KernelEventName>(name: K, handler: EventHandler<K>): Disposable {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    const h = handler as unknown as AnyHandler;
    set.add(h);
    return toDisposable(() => set.delete(h));
  }

  emit<K extends KernelEventName>(name: K, payload: KernelEvents[K]): void {
    const envelope: EventEnvelope<K> = { name, payload, origin: this.config.instanceId, at: new Date().toISOString() };
    this.deliver(envelope);
    this.publisher?.publish(this.channel, JSON.stringify(envelope)).catch(() => undefined);
  }

  private receive(message: string): void {
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(message) as EventEnvelope;
    } catch {
      return;
    }
    if (envelope.origin === this.config.instanceId) return;
    this.deliver(envelope);
  }

  private deliver(envelope: EventEnvelope): void {
    for (const handler of this.handlers.get(envelope.name) ?? []) {
      // A failing subscriber must neither break the publisher nor its fellow subscribers.
      queueMicrotask(() => {
        Promise.resolve()
          .then(() => handler(envelope.payload, envelope))
          .catch((err: unknown) => console.error(`event handler for ${envelope.name} failed:`, err));
      });
    }
  }
}
