// DOMException, Event, EventTarget and AbortController/AbortSignal for the isolate.
// `AbortSignal.timeout` needs timers, so it is wired to the bridged setTimeout at install time.

export class DOMException extends Error {
  readonly code: number;
  constructor(message = '', name = 'Error') {
    super(message);
    this.name = name;
    this.code = name === 'AbortError' ? 20 : name === 'TimeoutError' ? 23 : 0;
  }
}

type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };

export class Event {
  readonly type: string;
  target: EventTarget | null = null;
  currentTarget: EventTarget | null = null;
  defaultPrevented = false;
  readonly timeStamp = Date.now();
  constructor(type: string) {
    this.type = String(type);
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
  stopPropagation(): void {}
  stopImmediatePropagation(): void {}
}

export class EventTarget {
  #listeners = new Map<string, Array<{ listener: Listener; once: boolean }>>();

  addEventListener(type: string, listener: Listener | null, options?: boolean | { once?: boolean; signal?: AbortSignal }): void {
    if (!listener) return;
    const list = this.#listeners.get(type) ?? [];
    if (list.some((entry) => entry.listener === listener)) return;
    const once = typeof options === 'object' && Boolean(options.once);
    list.push({ listener, once });
    this.#listeners.set(type, list);
    if (typeof options === 'object' && options.signal) {
      options.signal.addEventListener('abort', () => this.removeEventListener(type, listener), { once: true });
    }
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const list = this.#listeners.get(type);
    if (!list) return;
    this.#listeners.set(
      type,
      list.filter((entry) => entry.listener !== listener),
    );
  }

  dispatchEvent(event: Event): boolean {
    event.target = this;
    event.currentTarget = this;
    const handler = (this as unknown as Record<string, unknown>)[`on${event.type}`];
    if (typeof handler === 'function') runListener(() => (handler as (e: Event) => void).call(this, event));
    for (const entry of [...(this.#listeners.get(event.type) ?? [])]) {
      if (entry.once) this.removeEventListener(event.type, entry.listener);
      const { listener } = entry;
      runListener(() => (typeof listener === 'function' ? listener.call(this, event) : listener.handleEvent(event)));
    }
    return !event.defaultPrevented;
  }
}

// A throwing listener must not stop the others, as in browsers; the error is reported asynchronously.
function runListener(run: () => void): void {
  try {
    run();
  } catch (error) {
    Promise.reject(error);
  }
}

let scheduleTimeout: (callback: () => void, ms: number) => unknown = () => {
  throw new Error('timers are not available');
};

export function useTimerForAbortSignal(schedule: (callback: () => void, ms: number) => unknown): void {
  scheduleTimeout = schedule;
}

export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason: unknown = undefined;
  onabort: ((event: Event) => void) | null = null;

  get aborted(): boolean {
    return this.#aborted;
  }
  get reason(): unknown {
    return this.#reason;
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  static abort(reason?: unknown): AbortSignal {
    const controller = new AbortController();
    controller.abort(reason);
    return controller.signal;
  }

  static timeout(ms: number): AbortSignal {
    const controller = new AbortController();
    scheduleTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
    return controller.signal;
  }

  static any(signals: Iterable<AbortSignal>): AbortSignal {
    const controller = new AbortController();
    for (const signal of signals) {
      if (signal.aborted) {
        controller.abort(signal.reason);
        break;
      }
      signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    }
    return controller.signal;
  }

  /** @internal used by AbortController only */
  static _abort(signal: AbortSignal, reason: unknown): void {
    if (signal.#aborted) return;
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    signal.dispatchEvent(new Event('abort'));
  }
}

export class AbortController {
  readonly signal = new AbortSignal();
  abort(reason?: unknown): void {
    AbortSignal._abort(this.signal, reason);
  }
}
