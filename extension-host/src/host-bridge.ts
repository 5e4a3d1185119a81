// The host functions an isolate can reach, bound to one extension. Everything arriving here is
// untrusted input from extension code: shapes are checked, grants enforced, and the extension id
// comes from this binding, never from the payload. Calls answer with envelopes and never reject,
// since a rejection escaping into isolated-vm would be an unhandled rejection in the host.
import type { ArtifactDraft, ChatChunk, JsonValue, LogLevel } from '@penny/manifests';
import { SECRET_HANDLE_PREFIX } from '@penny/manifests';
import type { Envelope } from './isolate/contract.ts';
import type { EgressRules } from './egress.ts';
import { HostFault, toIsolateError } from './errors.ts';
import { FetchSessions } from './fetch-session.ts';
import type { KernelPort } from './kernel-port.ts';

const MAX_KEY = 512;
const MAX_VALUE_BYTES = 1 << 20;
const MAX_TIMERS = 10_000;
const MAX_LOG_CHARS = 8192;
const LOG_PER_SECOND = 100;

export interface BridgeTarget {
  rules: EgressRules;
  datasources: ReadonlySet<string>;
  kernel: KernelPort;
  /** Routes a chunk to the chat stream `requestId` if this extension owns it; drops it otherwise. */
  chatChunk(requestId: string, chunk: ChatChunk): void;
}

function field(payload: unknown, key: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[key] : undefined;
}

function text(payload: unknown, key: string, max = MAX_KEY): string {
  const value = field(payload, key);
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new HostFault('InvalidArguments', `${key} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function json(value: unknown, what: string, maxBytes = MAX_VALUE_BYTES): JsonValue {
  const serialized = JSON.stringify(value ?? null);
  if (Buffer.byteLength(serialized) > maxBytes) throw new HostFault('InvalidArguments', `${what} is larger than ${maxBytes} bytes`);
  return JSON.parse(serialized) as JsonValue;
}

function artifact(value: unknown): ArtifactDraft {
  const draft = value as ArtifactDraft;
  if (typeof draft?.mimeType !== 'string' || typeof draft.title !== 'string') {
    throw new HostFault('InvalidArguments', 'an artifact needs a mimeType and a title');
  }
  return json(draft, 'artifact', 16 << 20) as unknown as ArtifactDraft;
}

function sanitizeChunk(value: unknown): ChatChunk | undefined {
  const chunk = value as Record<string, unknown>;
  const optional = (key: string) => (typeof chunk[key] === 'string' ? (chunk[key] as string) : undefined);
  switch (chunk?.type) {
    case 'text':
      return typeof chunk.delta === 'string' ? { type: 'text', delta: chunk.delta } : undefined;
    case 'toolCall':
      if (!Number.isInteger(chunk.index) || (chunk.index as number) < 0) return undefined;
      return { type: 'toolCall', index: chunk.index as number, id: optional('id'), name: optional('name'), argumentsDelta: optional('argumentsDelta') };
    case 'usage': {
      const [inputTokens, outputTokens] = [Number(chunk.inputTokens), Number(chunk.outputTokens)];
      return Number.isFinite(inputTokens) && Number.isFinite(outputTokens) ? { type: 'usage', inputTokens, outputTokens } : undefined;
    }
    default:
      return undefined;
  }
}

class TimerTable {
  private readonly timers = new Map<number, { handle: NodeJS.Timeout; resolve: (value: { fired: boolean }) => void }>();

  wait(id: number, ms: number): Promise<{ fired: boolean }> {
    if (!Number.isInteger(id) || this.timers.has(id)) throw new HostFault('InvalidArguments', 'bad timer id');
    if (this.timers.size >= MAX_TIMERS) throw new HostFault('InvalidArguments', `more than ${MAX_TIMERS} timers pending`);
    return new Promise((resolve) => {
      const delay = Math.max(0, Math.min(Number.isFinite(ms) ? ms : 0, 2_147_483_647));
      const handle = setTimeout(() => {
        this.timers.delete(id);
        resolve({ fired: true });
      }, delay);
      handle.unref();
      this.timers.set(id, { handle, resolve });
    });
  }

  clear(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    clearTimeout(timer.handle);
    this.timers.delete(id);
    timer.resolve({ fired: false });
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer.handle);
    this.timers.clear();
  }
}

export class Bridge {
  private readonly timers = new TimerTable();
  private readonly fetches: FetchSessions;
  private logWindow = { startedAt: 0, count: 0, dropped: 0 };

  constructor(private readonly target: BridgeTarget) {
    const { rules, kernel } = target;
    this.fetches = new FetchSessions(rules, async (name) => (await kernel.secretsResolve({ extensionId: rules.extensionId, name })).value);
  }

  readonly call = async (op: unknown, payload: unknown): Promise<Envelope> => {
    await null;
    try {
      return { ok: true, value: await this.handle(op, payload) };
    } catch (error) {
      return { ok: false, error: toIsolateError(error) };
    }
  };

  readonly send = (op: unknown, payload: unknown): void => {
    try {
      if (op === 'log') this.log(payload);
      else if (op === 'chat.chunk') {
        const chunk = sanitizeChunk(field(payload, 'chunk'));
        const requestId = field(payload, 'requestId');
        if (chunk && typeof requestId === 'string') this.target.chatChunk(requestId, chunk);
      } else if (op === 'fetch.cancel') this.fetches.close(Number(field(payload, 'id')));
      else if (op === 'timer.clear') this.timers.clear(Number(field(payload, 'id')));
    } catch {
      // A malformed fire-and-forget message is dropped; there is no one to answer.
    }
  };

  dispose(): void {
    this.timers.clearAll();
    this.fetches.closeAll();
  }

  private async handle(op: unknown, payload: unknown): Promise<unknown> {
    const { rules, kernel, datasources } = this.target;
    const extensionId = rules.extensionId;
    switch (op) {
      case 'storage.get':
        return kernel.storageGet({ extensionId, key: text(payload, 'key') });
      case 'storage.set':
        return kernel.storageSet({ extensionId, key: text(payload, 'key'), value: json(field(payload, 'value'), 'a stored value') });
      case 'storage.delete':
        return (await kernel.storageDelete({ extensionId, key: text(payload, 'key') })).deleted;
      case 'storage.keys': {
        const prefix = field(payload, 'prefix');
        return (await kernel.storageList({ extensionId, prefix: typeof prefix === 'string' ? prefix : undefined })).keys;
      }
      case 'secrets.get': {
        const name = text(payload, 'name', 128);
        if (!rules.secrets.has(name)) {
          throw new HostFault('PermissionDenied', `secret "${name}" is not granted to ${extensionId} (permissions.secrets)`, { extensionId });
        }
        return `${SECRET_HANDLE_PREFIX}${name}`;
      }
      case 'artifacts.create':
        return kernel.artifactCreate({ extensionId, artifact: artifact(field(payload, 'artifact')) });
      case 'datasources.query': {
        const datasource = text(payload, 'datasource', 64);
        if (!datasources.has(datasource)) {
          throw new HostFault('PermissionDenied', `datasource "${datasource}" is not granted to ${extensionId} (permissions.datasources)`, { extensionId });
        }
        const params = field(payload, 'params');
        return kernel.datasourceQuery({
          extensionId,
          datasource,
          query: text(payload, 'query', 100_000),
          params: params === undefined ? undefined : (json(params, 'query parameters') as JsonValue[] | Record<string, JsonValue>),
        });
      }
      case 'fetch.start':
        return this.fetches.start(payload);
      case 'fetch.read':
        return this.fetches.read(payload);
      case 'timer.wait':
        return this.timers.wait(Number(field(payload, 'id')), Number(field(payload, 'ms')));
      default:
        throw new HostFault('NotFound', `unknown host operation ${JSON.stringify(String(op))}`);
    }
  }

  private log(payload: unknown): void {
    const now = Date.now();
    const window = this.logWindow;
    if (now - window.startedAt >= 1000) {
      if (window.dropped > 0) {
        this.target.kernel.log({ extensionId: this.target.rules.extensionId, level: 'warn', message: `${window.dropped} log messages dropped (limit ${LOG_PER_SECOND}/s)` });
      }
      this.logWindow = { startedAt: now, count: 0, dropped: 0 };
    }
    if (++this.logWindow.count > LOG_PER_SECOND) {
      this.logWindow.dropped++;
      return;
    }
    const level = field(payload, 'level');
    const message = field(payload, 'message');
    const data = field(payload, 'data');
    this.target.kernel.log({
      extensionId: this.target.rules.extensionId,
      level: (['debug', 'info', 'warn', 'error'] as const).includes(level as LogLevel) ? (level as LogLevel) : 'info',
      message: String(message).slice(0, MAX_LOG_CHARS),
      data: data === undefined ? undefined : json(data, 'log data', 64 << 10),
    });
  }
}
