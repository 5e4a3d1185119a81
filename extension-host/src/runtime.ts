// One active extension: its isolate (a "generation", replaced after every crash or timeout), the
// limits applied to each call into it, and the watchdog that catches CPU spent after an await,
// which isolated-vm's own timeout does not see.
import ivm from 'isolated-vm';
import type { ChatChunk, CrashReason, ExtensionLimits, ExtensionManifest, IsolateStats, JsonValue, PennyErrorName } from '@penny/manifests';
import type { ActivationOutcome, DispatchKind, Envelope, IsolateConfig } from './isolate/contract.ts';
import type { EgressRules } from './egress.ts';
import { HostFault, isPennyErrorName } from './errors.ts';
import { Bridge } from './host-bridge.ts';
import type { KernelPort } from './kernel-port.ts';
import { compilePrelude } from './prelude.ts';

export interface RuntimeOptions {
  extensionId: string;
  manifest: ExtensionManifest;
  source: string;
  rules: EgressRules;
  datasources: ReadonlySet<string>;
  limits: ExtensionLimits;
  /** Served read-only by `penny.configuration`; kept across isolate resets. */
  configuration: Record<string, JsonValue>;
  /** Sidecar id → base URL, for `penny.sidecars.url`. */
  sidecars?: Record<string, string>;
  kernel: KernelPort;
}

/** Structural match for vscode-jsonrpc's CancellationToken. */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface CallOptions {
  wallMs: number;
  label: string;
  cancellation?: Cancellation;
  /** Receives a function that aborts the call inside the isolate. */
  onAbortable?: (abort: () => void) => void;
}

interface Generation {
  isolate: ivm.Isolate;
  context: ivm.Context;
  bridge: Bridge;
  dispatch?: ivm.Reference<(kind: DispatchKind, payload: object) => Promise<Envelope>>;
  resetReason?: CrashReason;
  registered: ActivationOutcome;
  lastCpuNs: bigint;
  busyMs: number;
}

const PROPAGATED: ReadonlySet<PennyErrorName> = new Set(['EgressDenied', 'PermissionDenied', 'NotFound', 'InvalidArguments']);
const noop = () => undefined;
let nextCallKey = 1;

export class ExtensionRuntime {
  state: IsolateStats['state'] = 'activating';
  calls = 0;
  restarts = 0;
  private generation: Generation | undefined;
  private starting: Promise<Generation> | undefined;
  private sourceCache: ivm.ExternalCopy<ArrayBuffer> | undefined;
  private readonly chatStreams = new Map<string, (chunk: ChatChunk) => void>();

  constructor(readonly options: RuntimeOptions) {}

  get extensionId(): string {
    return this.options.extensionId;
  }

  /** Starts the isolate now (activation) rather than on first use; returns what got registered. */
  async activate(): Promise<ActivationOutcome> {
    return (await this.ensureGeneration()).registered;
  }

  async call<T>(kind: DispatchKind, payload: object, options: CallOptions): Promise<T> {
    if (this.state === 'disposed') throw new HostFault('NotActivated', `${this.extensionId} is not active`, { extensionId: this.extensionId });
    const generation = await this.ensureGeneration();
    return this.callOn<T>(generation, kind, payload, options);
  }

  /** Registers where chunks of chat `requestId` go while it streams. */
  openChatStream(requestId: string, emit: (chunk: ChatChunk) => void): () => void {
    this.chatStreams.set(requestId, emit);
    return () => this.chatStreams.delete(requestId);
  }

  async deactivate(): Promise<void> {
    if (this.state === 'disposed') return;
    const generation = this.generation;
    this.state = 'disposed';
    if (generation?.dispatch) {
      const wallMs = Math.min(this.options.limits.wallMsPerCall, 5000);
      await this.callOn(generation, 'deactivate', {}, { wallMs, label: 'deactivation' }).catch(noop);
    }
    if (this.generation) this.disposeGeneration(this.generation);
    this.generation = undefined;
  }

  /** Called by the host every `intervalMs`: resets an isolate that stays busy past its CPU budget. */
  watchdogTick(intervalMs: number): void {
    const generation = this.generation;
    if (!generation || generation.isolate.isDisposed) return;
    const cpuNs = generation.isolate.cpuTime;
    const usedMs = Number(cpuNs - generation.lastCpuNs) / 1e6;
    generation.lastCpuNs = cpuNs;
    // A quarter of the interval counts as busy, so a loop still gets caught on a crowded machine.
    generation.busyMs = usedMs >= intervalMs / 4 ? generation.busyMs + usedMs : 0;
    const budget = this.options.limits.cpuMsPerCall + 2 * intervalMs;
    if (generation.busyMs > budget) {
      this.reset(generation, 'cpu', `${this.extensionId} ran for more than ${this.options.limits.cpuMsPerCall} ms of CPU without pause`);
    }
  }

  async stats(): Promise<IsolateStats> {
    const base = { extensionId: this.extensionId, state: this.state, calls: this.calls, restarts: this.restarts };
    const generation = this.generation;
    if (!generation || generation.isolate.isDisposed) {
      return { ...base, usedHeapBytes: 0, heapLimitBytes: 0, externalBytes: 0, cpuTimeMs: 0 };
    }
    const heap = await generation.isolate.getHeapStatistics();
    return {
      ...base,
      usedHeapBytes: heap.used_heap_size,
      heapLimitBytes: heap.heap_size_limit,
      externalBytes: heap.externally_allocated_size,
      cpuTimeMs: Number(generation.isolate.cpuTime) / 1e6,
    };
  }

  private ensureGeneration(): Promise<Generation> {
    if (this.generation && !this.generation.resetReason) return Promise.resolve(this.generation);
    this.starting ??= this.startGeneration().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startGeneration(): Promise<Generation> {
    const { extensionId, manifest, limits, rules, datasources, kernel, source, configuration, sidecars } = this.options;
    const restart = this.generation !== undefined;
    const isolate = new ivm.Isolate({
      memoryLimit: limits.memoryMb,
      onCatastrophicError: (message) => {
        kernel.log({ level: 'error', message: `isolate of ${extensionId} failed beyond recovery: ${message}; host exits` });
        setTimeout(() => process.exit(70), 100);
      },
    });
    const bridge = new Bridge({ rules, datasources, kernel, chatChunk: (id, chunk) => this.chatStreams.get(id)?.(chunk) });
    const registered: ActivationOutcome = { tools: [], modelProviders: [], commands: [] };
    const generation: Generation = { isolate, context: await isolate.createContext(), bridge, registered, lastCpuNs: 0n, busyMs: 0 };
    try {
      const global = generation.context.global;
      const c = manifest.contributes ?? {};
      const config: IsolateConfig = {
        extensionId,
        contributions: {
          tools: (c.tools ?? []).map((t) => t.name),
          modelProviders: (c.modelProviders ?? []).map((p) => p.id),
          commands: (c.commands ?? []).map((x) => x.id),
        },
        configuration,
        sidecars: sidecars ?? {},
      };
      await global.set('__pennyCall', new ivm.Reference(bridge.call));
      await global.set('__pennySend', new ivm.Reference(bridge.send));
      await global.set('__pennyConfig', new ivm.ExternalCopy(config).copyInto());
      await (await compilePrelude(isolate)).run(generation.context, { timeout: Math.max(limits.cpuMsPerCall, 1000) });
      generation.dispatch = await global.get('__pennyDispatch', { reference: true });
      await global.delete('__pennyDispatch');
      const script = await isolate.compileScript(source, {
        filename: `extension:${extensionId}/${manifest.main ?? 'main.js'}`,
        ...(this.sourceCache ? { cachedData: this.sourceCache } : { produceCachedData: true }),
      });
      this.sourceCache ??= (script as ivm.Script & ivm.CachedDataResult).cachedData;
      await script.run(generation.context, { timeout: limits.cpuMsPerCall });
      script.release();
    } catch (error) {
      this.disposeGeneration(generation);
      const reason = isolate.isDisposed && /memory/i.test(String(error)) ? 'memory' : undefined;
      throw new HostFault('ActivationFailed', `${extensionId} failed to load: ${error instanceof Error ? error.message : String(error)}`, {
        extensionId,
        reason,
      });
    }
    if (restart) this.restarts++;
    try {
      generation.registered = await this.callOn(generation, 'activate', {}, { wallMs: limits.wallMsPerCall, label: 'activation' });
    } catch (error) {
      this.disposeGeneration(generation);
      if (error instanceof HostFault && error.code !== 'ExtensionError') throw error;
      throw new HostFault('ActivationFailed', `${extensionId} failed to activate: ${error instanceof Error ? error.message : String(error)}`, { extensionId });
    }
    this.generation = generation;
    this.state = 'active';
    return generation;
  }

  private async callOn<T>(generation: Generation, kind: DispatchKind, payload: object, options: CallOptions): Promise<T> {
    const dispatch = generation.dispatch;
    if (!dispatch || generation.resetReason) throw new HostFault('ExtensionCrashed', `${this.extensionId} was reset`, { extensionId: this.extensionId });
    const { cpuMsPerCall } = this.options.limits;
    const callKey = nextCallKey++;
    this.calls++;
    // A rejection left unhandled by background work (a timer, a stream) is kept by isolated-vm and
    // thrown into the next task that checks for one; an ignored task absorbs it, so it does not fail
    // this call.
    generation.context.evalIgnored('0');
    const applied = dispatch.apply(undefined, [kind, { ...payload, callKey }], {
      arguments: { copy: true },
      result: { promise: true, copy: true },
      timeout: cpuMsPerCall,
    }) as unknown as Promise<Envelope<T>>;
    applied.catch(noop);
    const abort = () => {
      dispatch
        .apply(undefined, ['abort', { callKey }], { arguments: { copy: true }, result: { promise: true, copy: true }, timeout: cpuMsPerCall })
        .catch(noop);
    };
    options.onAbortable?.(abort);
    const cancelled = options.cancellation?.onCancellationRequested(abort);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HostFault('ToolTimeout', `${options.label} did not finish within ${options.wallMs} ms`, { extensionId: this.extensionId, reason: 'wall', limit: options.wallMs })),
        options.wallMs,
      );
    });
    deadline.catch(noop);
    try {
      const envelope = await Promise.race([applied, deadline]);
      if (envelope.ok) return envelope.value;
      const { code, name, message } = envelope.error;
      if (isPennyErrorName(code) && PROPAGATED.has(code)) throw new HostFault(code, message, { extensionId: this.extensionId });
      throw new HostFault('ExtensionError', `${options.label} failed: ${name}: ${message}`, { extensionId: this.extensionId, errorName: name });
    } catch (error) {
      throw this.classify(error, generation, options);
    } finally {
      clearTimeout(timer);
      cancelled?.dispose();
    }
  }

  private classify(error: unknown, generation: Generation, options: CallOptions): HostFault {
    const extensionId = this.extensionId;
    const { cpuMsPerCall, memoryMb } = this.options.limits;
    if (error instanceof HostFault && error.data.reason === 'wall') {
      this.reset(generation, 'wall', error.message);
      return error;
    }
    if (error instanceof HostFault) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (!generation.resetReason) {
      if (/timed out/i.test(message)) this.reset(generation, 'cpu', `${options.label} used more than ${cpuMsPerCall} ms of CPU`);
      else if (generation.isolate.isDisposed && /memory/i.test(message)) this.reset(generation, 'memory', `${extensionId} exceeded its ${memoryMb} MB memory limit`);
      else if (generation.isolate.isDisposed) this.reset(generation, 'crash', `${extensionId} crashed: ${message}`);
      else {
        // isolated-vm fails the running task with the first promise rejection left unhandled by
        // extension code. The isolate itself is fine, so only this call fails.
        return new HostFault('ExtensionError', `${options.label} failed: unhandled rejection in ${extensionId}: ${message}`, { extensionId, errorName: 'UnhandledRejection' });
      }
    }
    switch (generation.resetReason) {
      case 'memory':
        return new HostFault('MemoryLimit', `${options.label} failed: ${extensionId} exceeded its ${memoryMb} MB memory limit; the isolate was disposed`, { extensionId, reason: 'memory', limit: memoryMb });
      case 'cpu':
        return new HostFault('ToolTimeout', `${options.label} exceeded ${cpuMsPerCall} ms of CPU; the isolate was reset`, { extensionId, reason: 'cpu', limit: cpuMsPerCall });
      case 'wall':
        return new HostFault('ToolTimeout', `${options.label} was stopped: the isolate was reset after a call went over its time limit`, { extensionId, reason: 'wall' });
      default:
        return new HostFault('ExtensionCrashed', `${options.label} failed: ${message}`, { extensionId, reason: 'crash' });
    }
  }

  private reset(generation: Generation, reason: CrashReason, message: string): void {
    if (generation.resetReason) return;
    generation.resetReason = reason;
    this.disposeGeneration(generation);
    if (this.state !== 'disposed') this.state = 'reset';
    this.options.kernel.didCrash({ extensionId: this.extensionId, reason, message, restarts: this.restarts + 1 });
  }

  private disposeGeneration(generation: Generation): void {
    generation.bridge.dispose();
    generation.dispatch?.release();
    if (!generation.isolate.isDisposed) {
      try {
        generation.isolate.dispose();
      } catch {
        // Already being torn down by isolated-vm (memory limit).
      }
    }
  }
}
