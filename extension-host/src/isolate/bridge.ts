// The isolate's end of the bridge: two host references handed over before extension code runs,
// captured here and removed from the global object. Also the timers and console built on them.
import type { CallOp, Envelope, IsolateError, SendOp } from './contract.ts';

/** The shape of an `ivm.Reference` as seen from inside the isolate. */
interface HostReference {
  apply(receiver: undefined, args: unknown[], options: object): Promise<unknown>;
  applyIgnored(receiver: undefined, args: unknown[], options: object): void;
}

const injected = globalThis as unknown as Record<string, unknown>;
const callRef = injected.__pennyCall as HostReference;
const sendRef = injected.__pennySend as HostReference;
delete injected.__pennyCall;
delete injected.__pennySend;

// Captured before extension code can replace them.
const ReflectApply = Reflect.apply;
const applyCall = callRef.apply;
const applyIgnored = sendRef.applyIgnored;
const callOptions = { arguments: { copy: true }, result: { promise: true, copy: true } };
const sendOptions = { arguments: { copy: true } };

/** An error raised by the host for a Penny reason (`EgressDenied`, `PermissionDenied`...). */
export class PennyError extends Error {
  readonly code: string;
  constructor(error: IsolateError) {
    super(error.message);
    this.name = error.code ?? error.name;
    this.code = error.code ?? 'ExtensionError';
  }
}

export async function hostCall<T>(op: CallOp, payload: object): Promise<T> {
  const envelope = (await ReflectApply(applyCall, callRef, [undefined, [op, payload], callOptions])) as Envelope<T>;
  if (envelope.ok) return envelope.value;
  throw new PennyError(envelope.error);
}

export function hostSend(op: SendOp, payload: object): void {
  ReflectApply(applyIgnored, sendRef, [undefined, [op, payload], sendOptions]);
}

// --- timers: the host keeps the clock; the isolate keeps the callbacks -------------------------

let nextTimerId = 1;
const liveTimers = new Set<number>();

function startTimer(callback: unknown, ms: unknown, args: unknown[], repeat: boolean): number {
  if (typeof callback !== 'function') throw new TypeError('setTimeout: callback must be a function');
  const id = nextTimerId++;
  const delay = Math.max(0, Math.min(Number(ms) || 0, 2_147_483_647));
  liveTimers.add(id);
  const tick = (): void => {
    hostCall<{ fired: boolean }>('timer.wait', { id, ms: delay }).then(
      ({ fired }) => {
        if (!fired || !liveTimers.has(id)) return;
        if (!repeat) liveTimers.delete(id);
        try {
          callback(...args);
        } catch (error) {
          // As browsers do: report the error, keep the event loop going.
          log('error', `uncaught error in a timer callback: ${describeValue(error)}`);
        } finally {
          if (repeat && liveTimers.has(id)) tick();
        }
      },
      () => liveTimers.delete(id),
    );
  };
  tick();
  return id;
}

function stopTimer(id: unknown): void {
  const key = Number(id);
  if (!liveTimers.delete(key)) return;
  hostSend('timer.clear', { id: key });
}

export const timers = {
  setTimeout: (callback: unknown, ms?: unknown, ...args: unknown[]) => startTimer(callback, ms, args, false),
  setInterval: (callback: unknown, ms?: unknown, ...args: unknown[]) => startTimer(callback, ms, args, true),
  clearTimeout: stopTimer,
  clearInterval: stopTimer,
  queueMicrotask: (callback: () => void) => {
    Promise.resolve().then(callback);
  },
};

// --- console and log ---------------------------------------------------------------------------

const objectToString = Object.prototype.toString;
const stringify = JSON.stringify;

/** Describes any value without running code the value controls beyond what JSON.stringify does. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') {
    return typeof value === 'symbol' || typeof value === 'function' ? objectToString.call(value) : String(value);
  }
  try {
    if (value instanceof Error) return `${String(value.name)}: ${String(value.message)}`;
    return stringify(value) ?? objectToString.call(value);
  } catch {
    return objectToString.call(value);
  }
}

export type Level = 'debug' | 'info' | 'warn' | 'error';

export function log(level: Level, message: unknown, data?: unknown): void {
  let plain: unknown;
  try {
    plain = data === undefined ? undefined : JSON.parse(stringify(data) ?? 'null');
  } catch {
    plain = describeValue(data);
  }
  hostSend('log', { level, message: describeValue(message), data: plain });
}

const consoleAt = (level: Level) => (...args: unknown[]) => log(level, args.map(describeValue).join(' '));

export const console = {
  log: consoleAt('info'),
  info: consoleAt('info'),
  debug: consoleAt('debug'),
  trace: consoleAt('debug'),
  warn: consoleAt('warn'),
  error: consoleAt('error'),
};
