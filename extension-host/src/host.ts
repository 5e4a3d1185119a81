// The extension host's behaviour, independent of the transport: one runtime per active
// extension of this host's single tenant, and the protocol's kernel → host operations.
import {
  PROTOCOL_VERSION,
  type ChatResult,
  type CommandRunParams,
  type CommandRunResult,
  type EmbedResult,
  type ExtensionActivateParams,
  type ExtensionActivateResult,
  type ExtensionLimits,
  type ExtensionManifest,
  type FinishReason,
  type HostInitializeParams,
  type HostInitializeResult,
  type HostPingParams,
  type HostPingResult,
  type HostStatsResult,
  type JsonValue,
  type ModelChatParams,
  type ModelEmbedParams,
  type ToolInvokeParams,
  type ToolInvokeResult,
} from '@penny/manifests';
import type { ChatOutcome } from './isolate/contract.ts';
import { HostFault } from './errors.ts';
import type { KernelPort } from './kernel-port.ts';
import { ExtensionRuntime, type Cancellation } from './runtime.ts';

const WATCHDOG_MS = 100;
const DEFAULT_MAX_RESULT_BYTES = 4 << 20;
const MAX_CONFIGURATION_BYTES = 1 << 20;
const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'length', 'toolCalls', 'contentFilter', 'cancelled']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What `penny.configuration` serves: the tenant's settings over the defaults the manifest declares. */
function effectiveConfiguration(manifest: ExtensionManifest, given: unknown): Record<string, JsonValue> {
  if (given !== undefined && !isPlainObject(given)) throw new HostFault('InvalidArguments', 'configuration must be an object');
  const size = Buffer.byteLength(JSON.stringify(given ?? {}));
  if (size > MAX_CONFIGURATION_BYTES) throw new HostFault('InvalidArguments', `configuration is ${size} bytes; the limit is ${MAX_CONFIGURATION_BYTES}`);
  const declared = manifest.contributes?.configuration?.properties;
  const defaults: Record<string, JsonValue> = {};
  if (isPlainObject(declared)) {
    for (const [key, schema] of Object.entries(declared)) {
      if (isPlainObject(schema) && schema.default !== undefined) defaults[key] = schema.default as JsonValue;
    }
  }
  return JSON.parse(JSON.stringify({ ...defaults, ...given })) as Record<string, JsonValue>;
}

/** A provider's tenant may offer models beyond the manifest's list (an Ollama or vLLM server runs
 * whatever was pulled), named in the `models` setting as ids or objects with an `id`. */
function configuredModels(configuration: Record<string, JsonValue>): string[] {
  const models = configuration.models;
  if (!Array.isArray(models)) return [];
  return models.flatMap((entry) => (typeof entry === 'string' ? [entry] : isPlainObject(entry) && typeof entry.id === 'string' ? [entry.id] : []));
}

/** The addresses the kernel gave, for sidecars the manifest declares and on loopback only. */
function sidecarAddresses(manifest: ExtensionManifest, given: unknown): Record<string, string> {
  const declared = new Set((manifest.contributes?.sidecars ?? []).map((sidecar) => sidecar.id));
  const addresses: Record<string, string> = {};
  for (const entry of Array.isArray(given) ? given : []) {
    if (!isPlainObject(entry) || typeof entry.id !== 'string' || typeof entry.url !== 'string' || !declared.has(entry.id)) continue;
    if (/^http:\/\/127\.0\.0\.1:\d+$/.test(entry.url)) addresses[entry.id] = entry.url;
  }
  return addresses;
}

export class ExtensionHost {
  private initialized: HostInitializeParams | undefined;
  private readonly runtimes = new Map<string, ExtensionRuntime>();
  private readonly chatAborts = new Map<string, () => void>();
  private readonly startedAt = Date.now();
  private readonly watchdog: NodeJS.Timeout;
  /** Host-level unhandled rejections and uncaught exceptions, counted by `main.ts`. */
  faults = 0;

  constructor(private readonly kernel: KernelPort) {
    this.watchdog = setInterval(() => {
      for (const runtime of this.runtimes.values()) runtime.watchdogTick(WATCHDOG_MS);
    }, WATCHDOG_MS);
    this.watchdog.unref();
  }

  initialize(params: HostInitializeParams): HostInitializeResult {
    if (params.protocolVersion !== PROTOCOL_VERSION) {
      throw new HostFault('ProtocolMismatch', `kernel speaks protocol ${params.protocolVersion}, this host speaks ${PROTOCOL_VERSION}`);
    }
    this.initialized = params;
    return { protocolVersion: PROTOCOL_VERSION, pid: process.pid, nodeVersion: process.version };
  }

  async activate(params: ExtensionActivateParams): Promise<ExtensionActivateResult> {
    const init = this.requireInitialized();
    const { extensionId, manifest } = params;
    if (`${manifest.publisher}.${manifest.name}` !== extensionId) {
      throw new HostFault('InvalidArguments', `extension id ${extensionId} does not match its manifest`);
    }
    if (typeof params.source !== 'string') throw new HostFault('InvalidArguments', 'activation needs the main bundle source');
    const configuration = effectiveConfiguration(manifest, params.configuration);
    await this.runtimes.get(extensionId)?.deactivate();
    const declared = manifest.permissions ?? {};
    const grant = (granted: readonly string[] | undefined, allowed: readonly string[] | undefined) =>
      (granted ?? []).filter((entry) => (allowed ?? []).includes(entry));
    const limits: ExtensionLimits = { ...init.limits, ...params.limits };
    const runtime = new ExtensionRuntime({
      extensionId,
      manifest,
      source: params.source,
      limits,
      configuration,
      kernel: this.kernel,
      rules: {
        extensionId,
        network: [...grant(params.permissions?.network, declared.network), ...configuredAddress(configuration, params.permissions?.network)],
        tenantAllow: init.egress.allow,
        secrets: new Set(grant(params.permissions?.secrets, declared.secrets)),
        ...(init.sidecars && this.kernel.sidecarConnect ? { connectSidecar: (port: number) => this.kernel.sidecarConnect!({ extensionId, port }) } : {}),
      },
      sidecars: sidecarAddresses(manifest, params.sidecars),
      datasources: new Set(grant(params.permissions?.datasources, declared.datasources)),
    });
    this.runtimes.set(extensionId, runtime);
    const started = performance.now();
    try {
      const registered = await runtime.activate();
      return { activationMs: performance.now() - started, registered };
    } catch (error) {
      this.runtimes.delete(extensionId);
      await runtime.deactivate();
      throw error;
    }
  }

  async deactivate(extensionId: string): Promise<void> {
    const runtime = this.runtimes.get(extensionId);
    this.runtimes.delete(extensionId);
    await runtime?.deactivate();
  }

  async invokeTool(params: ToolInvokeParams, cancellation?: Cancellation): Promise<ToolInvokeResult> {
    const runtime = this.runtime(params.extensionId);
    const tool = runtime.options.manifest.contributes?.tools?.find((t) => t.name === params.tool);
    if (!tool) throw new HostFault('NotFound', `${params.extensionId} contributes no tool "${params.tool}"`, { extensionId: params.extensionId });
    if (!isPlainObject(params.args)) throw new HostFault('InvalidArguments', `arguments of ${params.tool} must be an object`);
    const { wallMsPerCall } = runtime.options.limits;
    const json = await runtime.call<unknown>(
      'tool',
      { name: tool.name, args: params.args, callId: params.callId, userId: params.context.userId, conversationId: params.context.conversationId },
      { wallMs: Math.min(tool.timeoutMs ?? wallMsPerCall, wallMsPerCall), label: `tool ${tool.name}`, cancellation },
    );
    if (typeof json !== 'string') throw new HostFault('ExtensionError', `tool ${tool.name} returned something other than JSON`);
    const limit = tool.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    const size = Buffer.byteLength(json);
    if (size > limit) throw new HostFault('ResultTooLarge', `tool ${tool.name} returned ${size} bytes; its limit is ${limit}`, { extensionId: params.extensionId, limit });
    const result = JSON.parse(json) as ToolInvokeResult;
    if (result.artifacts !== undefined) {
      const valid = Array.isArray(result.artifacts) && result.artifacts.every((a) => typeof a?.mimeType === 'string' && typeof a.title === 'string');
      if (!valid) throw new HostFault('ExtensionError', `tool ${tool.name} returned malformed artifacts (each needs a mimeType and a title)`);
    }
    return result;
  }

  async runCommand(params: CommandRunParams, cancellation?: Cancellation): Promise<CommandRunResult> {
    const runtime = this.runtime(params.extensionId);
    if (!runtime.options.manifest.contributes?.commands?.some((c) => c.id === params.command)) {
      throw new HostFault('NotFound', `${params.extensionId} contributes no command "${params.command}"`, { extensionId: params.extensionId });
    }
    const args = Array.isArray(params.args) ? params.args : [];
    const json = await runtime.call<string>('command', { id: params.command, args }, { wallMs: runtime.options.limits.wallMsPerCall, label: `command ${params.command}`, cancellation });
    return { result: JSON.parse(typeof json === 'string' ? json : 'null') };
  }

  async chat(params: ModelChatParams): Promise<ChatResult> {
    const runtime = this.runtime(params.extensionId);
    this.requireModel(runtime, params.providerId, params.request.model);
    if (this.chatAborts.has(params.requestId)) throw new HostFault('InvalidArguments', `chat ${params.requestId} is already streaming`);
    let seq = 0;
    const emit = (chunk: Parameters<KernelPort['chatChunk']>[0]['chunk']) => this.kernel.chatChunk({ requestId: params.requestId, seq: seq++, chunk });
    const closeStream = runtime.openChatStream(params.requestId, emit);
    try {
      const outcome = await runtime.call<ChatOutcome>(
        'chat',
        { requestId: params.requestId, providerId: params.providerId, request: params.request },
        { wallMs: runtime.options.limits.wallMsPerCall, label: `chat with ${params.providerId}`, onAbortable: (abort) => this.chatAborts.set(params.requestId, abort) },
      );
      const finishReason = (FINISH_REASONS.has(String(outcome.finishReason)) ? outcome.finishReason : 'stop') as FinishReason;
      closeStream();
      emit({ type: 'done', finishReason });
      const usage = outcome.usage && Number.isFinite(outcome.usage.inputTokens) ? { inputTokens: outcome.usage.inputTokens, outputTokens: outcome.usage.outputTokens } : undefined;
      return usage ? { finishReason, usage } : { finishReason };
    } finally {
      closeStream();
      this.chatAborts.delete(params.requestId);
    }
  }

  cancelChat(requestId: string): void {
    this.chatAborts.get(requestId)?.();
  }

  async embed(params: ModelEmbedParams): Promise<EmbedResult> {
    const runtime = this.runtime(params.extensionId);
    this.requireModel(runtime, params.providerId, params.model);
    if (!Array.isArray(params.input) || !params.input.every((s) => typeof s === 'string')) {
      throw new HostFault('InvalidArguments', 'embedding input must be an array of strings');
    }
    const result = await runtime.call<EmbedResult>(
      'embed',
      { providerId: params.providerId, request: { model: params.model, input: params.input } },
      { wallMs: runtime.options.limits.wallMsPerCall, label: `embeddings from ${params.providerId}` },
    );
    const valid = Array.isArray(result?.embeddings) && result.embeddings.length === params.input.length && result.embeddings.every((v) => Array.isArray(v) && v.every(Number.isFinite));
    if (!valid) throw new HostFault('ExtensionError', `${params.providerId} returned malformed embeddings`);
    return result;
  }

  ping(params: HostPingParams): HostPingResult {
    return { sentAt: params.sentAt, uptimeMs: Date.now() - this.startedAt };
  }

  async stats(): Promise<HostStatsResult> {
    const memory = process.memoryUsage();
    return {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      uptimeMs: Date.now() - this.startedAt,
      hostFaults: this.faults,
      isolates: await Promise.all([...this.runtimes.values()].map((runtime) => runtime.stats())),
    };
  }

  async shutdown(): Promise<void> {
    clearInterval(this.watchdog);
    const runtimes = [...this.runtimes.values()];
    this.runtimes.clear();
    await Promise.allSettled(runtimes.map((runtime) => runtime.deactivate()));
  }

  private requireInitialized(): HostInitializeParams {
    if (!this.initialized) throw new HostFault('ProtocolMismatch', 'the host was not initialized (host/initialize)');
    return this.initialized;
  }

  private runtime(extensionId: string): ExtensionRuntime {
    this.requireInitialized();
    const runtime = this.runtimes.get(extensionId);
    if (!runtime) throw new HostFault('NotActivated', `${extensionId} is not active on this host`, { extensionId });
    return runtime;
  }

  private requireModel(runtime: ExtensionRuntime, providerId: string, model: string): void {
    const provider = runtime.options.manifest.contributes?.modelProviders?.find((p) => p.id === providerId);
    if (!provider) throw new HostFault('NotFound', `${runtime.extensionId} contributes no model provider "${providerId}"`);
    const offered = provider.models.some((m) => m.id === model) || configuredModels(runtime.options.configuration).includes(model);
    if (!offered) throw new HostFault('NotFound', `${providerId} offers no model "${model}"`);
  }
}

/**
 * The host of the extension's configured `baseUrl`, when the kernel granted it: an address the
 * operator or the tenant's admin configured is the decision to reach it, even where the manifest
 * names only the service's public host.
 */
function configuredAddress(configuration: Record<string, unknown>, granted: readonly string[] | undefined): string[] {
  if (typeof configuration.baseUrl !== 'string') return [];
  try {
    const host = new URL(configuration.baseUrl).host;
    return granted?.includes(host) ? [host] : [];
  } catch {
    return [];
  }
}
