// The `penny` API given to extension code, and the dispatcher through which the host calls into
// the isolate. Registrations are checked against the manifest's contributions: what the kernel
// advertises without running code is exactly what code may register.
import type {
  ArtifactDraft,
  ArtifactRef,
  ChatChunk,
  CommandHandler,
  DatasourceResult,
  Disposable,
  ExtensionModule,
  JsonValue,
  ModelProvider,
  PennyApi,
  PennyRequestInit,
  PennyResponse,
  ToolHandler,
} from '@penny/manifests';
import { PennyError, describeValue, hostCall, hostSend, log } from './bridge.ts';
import type {
  ActivationOutcome,
  ChatDispatch,
  ChatOutcome,
  CommandDispatch,
  DispatchKind,
  EmbedDispatch,
  Envelope,
  IsolateConfig,
  IsolateError,
  ToolDispatch,
} from './contract.ts';
import { AbortController } from './web-events.ts';
import { fetch } from './web-fetch.ts';

const stringify = JSON.stringify;
const parse = JSON.parse;
const freeze = Object.freeze;
const MAX_MESSAGE = 4000;

function plain<T>(value: T): T {
  const text = stringify(value);
  return (text === undefined ? null : parse(text)) as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    freeze(value);
  }
  return value;
}

function notFound(message: string): PennyError {
  return new PennyError({ code: 'NotFound', name: 'NotFound', message });
}

function describeError(error: unknown): IsolateError {
  try {
    if (error instanceof PennyError) return { code: error.code, name: error.name, message: String(error.message).slice(0, MAX_MESSAGE) };
    if (error instanceof Error) return { name: String(error.name), message: String(error.message).slice(0, MAX_MESSAGE) };
    return { name: 'NonError', message: `threw a non-Error value: ${describeValue(error).slice(0, MAX_MESSAGE)}` };
  } catch {
    return { name: 'NonError', message: 'threw a value that could not be described' };
  }
}

function registry<T>(point: string, declared: readonly string[]) {
  const entries = new Map<string, T>();
  const register = (id: unknown, value: T, check: (v: T) => boolean): Disposable => {
    const key = String(id);
    if (!declared.includes(key)) throw new Error(`${point}: "${key}" is not declared in the manifest (contributes.${point})`);
    if (!check(value)) throw new TypeError(`${point}: "${key}" needs a ${point === 'modelProviders' ? 'provider with a chat function' : 'handler function'}`);
    if (entries.has(key)) throw new Error(`${point}: "${key}" is already registered`);
    entries.set(key, value);
    return freeze({ dispose: () => void (entries.get(key) === value && entries.delete(key)) });
  };
  return { entries, register };
}

export function createPenny(config: IsolateConfig) {
  const tools = registry<ToolHandler>('tools', config.contributions.tools);
  const providers = registry<ModelProvider>('modelProviders', config.contributions.modelProviders);
  const commands = registry<CommandHandler>('commands', config.contributions.commands);
  const calls = new Map<number, AbortController>();
  // A copy of its own, so nothing extension code does to a value it was given shows in the next `get`.
  const settings = deepFreeze(plain(config.configuration ?? {}));
  const sidecarUrls = deepFreeze(plain(config.sidecars ?? {}));
  const hasOwn = Object.prototype.hasOwnProperty;
  const isFunction = (v: unknown) => typeof v === 'function';

  const api: PennyApi = freeze({
    extensionId: config.extensionId,
    tools: freeze({ register: (name: string, handler: ToolHandler) => tools.register(name, handler, isFunction) }),
    models: freeze({
      registerProvider: (id: string, provider: ModelProvider) =>
        providers.register(id, provider, (p) => typeof p === 'object' && p !== null && typeof p.chat === 'function'),
    }),
    commands: freeze({ register: (id: string, handler: CommandHandler) => commands.register(id, handler, isFunction) }),
    storage: freeze({
      get: async (key: string) => {
        const result = await hostCall<{ found: boolean; value?: JsonValue }>('storage.get', { key: String(key) });
        return result.found ? result.value : undefined;
      },
      set: (key: string, value: JsonValue) => hostCall<void>('storage.set', { key: String(key), value: plain(value) }),
      delete: (key: string) => hostCall<boolean>('storage.delete', { key: String(key) }),
      keys: (prefix?: string) => hostCall<string[]>('storage.keys', { prefix: prefix === undefined ? undefined : String(prefix) }),
    }),
    secrets: freeze({ get: (name: string) => hostCall<string>('secrets.get', { name: String(name) }) }),
    artifacts: freeze({ create: (draft: ArtifactDraft) => hostCall<ArtifactRef>('artifacts.create', { artifact: plain(draft) }) }),
    datasources: freeze({
      query: (datasource: string, query: string, params?: JsonValue[] | Record<string, JsonValue>) =>
        hostCall<DatasourceResult>('datasources.query', { datasource: String(datasource), query: String(query), params: plain(params) }),
    }),
    fetch: (input: string | { toString(): string }, init?: PennyRequestInit) =>
      fetch(String(input), init as Parameters<typeof fetch>[1]) as unknown as Promise<PennyResponse>,
    configuration: freeze({
      get: (key: string): JsonValue | undefined => {
        const name = String(key);
        return hasOwn.call(settings, name) ? settings[name] : undefined;
      },
    }),
    sidecars: freeze({
      url: (id: string): string => {
        const name = String(id);
        if (!hasOwn.call(sidecarUrls, name)) throw notFound(`sidecars: "${name}" is not declared in the manifest (contributes.sidecars)`);
        return sidecarUrls[name]!;
      },
    }),
    log: freeze({
      debug: (message: string, data?: JsonValue) => log('debug', message, data),
      info: (message: string, data?: JsonValue) => log('info', message, data),
      warn: (message: string, data?: JsonValue) => log('warn', message, data),
      error: (message: string, data?: JsonValue) => log('error', message, data),
    }),
  });

  const extensionModule = (): ExtensionModule | undefined => {
    const candidate = (globalThis as unknown as Record<string, unknown>).__pennyExtension;
    return typeof candidate === 'object' && candidate !== null ? (candidate as ExtensionModule) : undefined;
  };

  async function withCall<T>(callKey: number, run: (signal: AbortController['signal']) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    calls.set(callKey, controller);
    try {
      return await run(controller.signal);
    } finally {
      calls.delete(callKey);
    }
  }

  const handlers: Record<DispatchKind, (payload: never) => Promise<unknown>> = {
    async activate(): Promise<ActivationOutcome> {
      const activate = extensionModule()?.activate;
      if (typeof activate === 'function') await activate(api);
      return { tools: [...tools.entries.keys()], modelProviders: [...providers.entries.keys()], commands: [...commands.entries.keys()] };
    },
    async deactivate(): Promise<void> {
      try {
        const deactivate = extensionModule()?.deactivate;
        if (typeof deactivate === 'function') await deactivate();
      } finally {
        for (const controller of calls.values()) controller.abort();
        tools.entries.clear();
        providers.entries.clear();
        commands.entries.clear();
      }
    },
    async tool(call: ToolDispatch): Promise<string> {
      const handler = tools.entries.get(call.name);
      if (!handler) throw notFound(`tool "${call.name}" is not registered`);
      return withCall(call.callKey, async (signal) => {
        const context = { callId: call.callId, userId: call.userId, conversationId: call.conversationId, signal };
        const result = (await handler(call.args, context)) as unknown;
        if (typeof result !== 'object' || result === null || !('content' in result)) {
          throw new TypeError(`tool "${call.name}" must return { content, artifacts? }`);
        }
        const { content, artifacts } = result as { content: unknown; artifacts?: unknown };
        const json = stringify({ content: content === undefined ? null : content, artifacts });
        if (typeof json !== 'string') throw new TypeError(`tool "${call.name}" returned a result that is not JSON`);
        return json;
      });
    },
    async command(call: CommandDispatch): Promise<string> {
      const handler = commands.entries.get(call.id);
      if (!handler) throw notFound(`command "${call.id}" is not registered`);
      return withCall(call.callKey, async () => stringify((await handler(...call.args)) ?? null) ?? 'null');
    },
    async chat(call: ChatDispatch): Promise<ChatOutcome> {
      const provider = providers.entries.get(call.providerId);
      if (!provider) throw notFound(`model provider "${call.providerId}" is not registered`);
      let chunks = 0;
      let sawToolCall = false;
      const emit = (chunk: ChatChunk) => {
        hostSend('chat.chunk', { requestId: call.requestId, chunk });
        chunks++;
      };
      const sink = freeze({
        text: (delta: string) => emit({ type: 'text', delta: String(delta) }),
        toolCall: (delta: { index: number; id?: string; name?: string; argumentsDelta?: string }) => {
          sawToolCall = true;
          emit(plain({ type: 'toolCall', ...delta }) as ChatChunk);
        },
        usage: (usage: { inputTokens: number; outputTokens: number }) =>
          emit({ type: 'usage', inputTokens: Number(usage.inputTokens), outputTokens: Number(usage.outputTokens) }),
      });
      return withCall(call.callKey, async (signal) => {
        try {
          const result = plain((await provider.chat(call.request, sink, signal)) ?? {});
          const finishReason = result.finishReason ?? (signal.aborted ? 'cancelled' : sawToolCall ? 'toolCalls' : 'stop');
          return { finishReason, usage: result.usage, chunks };
        } catch (error) {
          if (signal.aborted) return { finishReason: 'cancelled', chunks };
          throw error;
        }
      });
    },
    async embed(call: EmbedDispatch): Promise<unknown> {
      const provider = providers.entries.get(call.providerId);
      if (!provider) throw notFound(`model provider "${call.providerId}" is not registered`);
      const embed = provider.embed;
      if (typeof embed !== 'function') throw notFound(`model provider "${call.providerId}" does not embed`);
      return withCall(call.callKey, async (signal) => plain(await embed.call(provider, call.request, signal)));
    },
    async abort({ callKey }: { callKey: number }): Promise<void> {
      calls.get(callKey)?.abort();
    },
  };

  async function dispatch(kind: DispatchKind, payload: never): Promise<Envelope> {
    try {
      const handler = handlers[kind];
      if (!handler) throw notFound(`unknown call kind "${String(kind)}"`);
      return { ok: true, value: await handler(payload) };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  }

  return { api, dispatch };
}
