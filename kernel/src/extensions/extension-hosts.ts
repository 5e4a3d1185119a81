// The extension-host supervisor: one host process per tenant, started on first need, stopped when
// idle, restarted with backoff after a crash. An extension that keeps crashing (isolate resets or
// taking its host down) is disabled for that tenant, with an audit event.
import { inject, injectable } from 'inversify';
import { randomUUID } from 'node:crypto';
import {
  CommandRunRequest,
  isPennyError,
  ModelCancelNotification,
  ModelChatChunkNotification,
  ModelChatRequest,
  pennyErrorName,
  ToolInvokeRequest,
  type CallContext,
  type ChatChunk,
  type ChatRequest,
  type ChatResult,
  type JsonValue,
  type ToolInvokeResult,
} from '@penny/manifests';
import { ResponseError } from 'vscode-jsonrpc';
import { KernelConfig } from '../config/config.ts';
import { ExtensionFailedError, ExtensionTimeoutError, UnavailableError } from '../core/errors.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Database } from '../database/database.service.ts';
import { Sidecars } from '../sidecars/sidecars.service.ts';
import { KERNEL_VERSION } from '../core/version.ts';
import { HostKernelApi } from './host-kernel-api.ts';
import { InstalledExtensions, type InstalledExtension } from './installed-extensions.ts';
import { ProviderEnvironment } from './provider-environment.ts';
import { TenantHost } from './tenant-host.ts';

/** Waiting this long for a restart is better than failing; beyond it, callers get 503 + Retry-After. */
const MAX_RESTART_WAIT_MS = 2000;

interface RestartState {
  crashes: number;
  notBefore: number;
}

@injectable()
export class ExtensionHosts implements LifecycleContribution {
  readonly order = 60;
  private readonly hosts = new Map<string, TenantHost>();
  private readonly restarts = new Map<string, RestartState>();
  private readonly crashTimes = new Map<string, number[]>();
  /** Streaming model calls in flight, by request id: where their chunks go. */
  private readonly chatStreams = new Map<string, (chunk: ChatChunk) => void>();
  private sweeper: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(Database) private readonly db: Database,
    @inject(InstalledExtensions) private readonly installed: InstalledExtensions,
    @inject(HostKernelApi) private readonly api: HostKernelApi,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(ProviderEnvironment) private readonly environment: ProviderEnvironment,
    @inject(Sidecars) private readonly sidecars: Sidecars,
    @inject(EventBus) bus: EventBus,
  ) {
    // A disabled or removed extension leaves its isolate at once.
    for (const event of ['extension.disabled', 'extension.uninstalled', 'extension.updated', 'extension.configured'] as const) {
      bus.on(event, (p) => void this.hosts.get(p.tenantId)?.deactivate(p.extensionId));
    }
  }

  /** Process ids of the running tenant hosts, by tenant (for memory figures). */
  processIds(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [tenantId, host] of this.hosts) if (host.pid) out.set(tenantId, host.pid);
    return out;
  }

  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.stopIdle(), Math.min(30_000, Math.max(1000, this.config.extensions.hostIdleMs / 2)));
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.hosts.values()].map((h) => h.shutdown()));
    this.hosts.clear();
  }

  /** The live host of a tenant, if one runs (for stats and tests). */
  running(tenantId: string): TenantHost | undefined {
    return this.hosts.get(tenantId);
  }

  /** The tenant's policy: egress allow-list, and limits that may only tighten the kernel's defaults. */
  private async policyFor(tenantId: string): Promise<{ egress: string[]; limits: { memoryMb: number; cpuMsPerCall: number; wallMsPerCall: number } }> {
    type Policy = { network?: { allow?: string[] }; limits?: { memoryMb?: number; cpuMsPerCall?: number; wallMsPerCall?: number } };
    const rows = await this.db.query<{ settings: { policy?: Policy } }>(`SELECT settings FROM tenant WHERE id = ?`, [tenantId]);
    const policy = rows[0]?.settings?.policy ?? {};
    const { memoryMb, cpuMsPerCall, wallMsPerCall } = this.config.extensions;
    const tighter = (value: unknown, ceiling: number) => (typeof value === 'number' && value > 0 ? Math.min(value, ceiling) : ceiling);
    return {
      egress: policy.network?.allow ?? ['*'],
      limits: {
        memoryMb: tighter(policy.limits?.memoryMb, memoryMb),
        cpuMsPerCall: tighter(policy.limits?.cpuMsPerCall, cpuMsPerCall),
        wallMsPerCall: tighter(policy.limits?.wallMsPerCall, wallMsPerCall),
      },
    };
  }

  private async hostFor(tenantId: string): Promise<TenantHost> {
    const existing = this.hosts.get(tenantId);
    if (existing?.alive) return existing;
    if (this.stopping) throw new UnavailableError('The kernel is shutting down.');
    const restart = this.restarts.get(tenantId);
    const wait = restart ? restart.notBefore - Date.now() : 0;
    if (wait > MAX_RESTART_WAIT_MS) {
      throw new UnavailableError(`The extension host of this tenant crashed and restarts in ${Math.ceil(wait / 1000)} s; retry then.`, wait);
    }
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const again = this.hosts.get(tenantId);
    if (again?.alive) return again;
    const { heartbeatMs, heartbeatTimeoutMs } = this.config.extensions;
    const policy = await this.policyFor(tenantId);
    const cpuMsPerCall = policy.limits.cpuMsPerCall;
    const host = new TenantHost({
      tenantId,
      kernelVersion: KERNEL_VERSION,
      limits: policy.limits,
      egress: { allow: policy.egress },
      heartbeatMs,
      // A host may legitimately be busy for a whole CPU budget inside an isolate call; only
      // silence well beyond that means it is stuck.
      heartbeatTimeoutMs: Math.max(heartbeatTimeoutMs, 2 * cpuMsPerCall + 1000),
      serve: (connection) => {
        this.api.serve(connection, tenantId, {
          onCrash: (t, crash) => void this.chargeCrash(t, crash.extensionId, `${crash.reason}: ${crash.message}`),
          log: (t, level, message, extensionId) => this.log(t, level, message, extensionId),
        });
        connection.onNotification(ModelChatChunkNotification, (p) => this.chatStreams.get(p.requestId)?.(p.chunk));
      },
      onExit: (h, reason) => this.onHostExit(tenantId, h, reason),
    });
    this.hosts.set(tenantId, host);
    await host.ready;
    return host;
  }

  private onHostExit(tenantId: string, host: TenantHost, reason: string): void {
    if (this.hosts.get(tenantId) === host) this.hosts.delete(tenantId);
    // A tenant's sidecars serve its host's isolates only: they go with it.
    void this.sidecars.stopTenant(tenantId, `extension host ${reason}`);
    if (reason === 'stopped' || reason.startsWith('idle') || this.stopping) return;
    const previous = this.restarts.get(tenantId);
    const crashes = (previous?.crashes ?? 0) + 1;
    const backoff = Math.min(30_000, 250 * 2 ** (crashes - 1));
    this.restarts.set(tenantId, { crashes, notBefore: Date.now() + backoff });
    const culprits = [...host.inFlight.keys()];
    void this.audit
      .record({ tenantId, actorId: null, actor: 'system', action: 'extension.hostCrashed', outcome: 'failure', target: `host:${host.pid ?? '?'}`, payload: { reason, culprits } })
      .catch(() => undefined);
    for (const extensionId of culprits) void this.chargeCrash(tenantId, extensionId, `host ${reason}`);
  }

  /** Counts a crash against an extension; past the limit within the window, it is disabled. */
  private async chargeCrash(tenantId: string, extensionId: string, what: string): Promise<void> {
    const { crashLimit, crashWindowMs } = this.config.extensions;
    const key = `${tenantId}|${extensionId}`;
    const now = Date.now();
    const times = (this.crashTimes.get(key) ?? []).filter((t) => now - t < crashWindowMs);
    times.push(now);
    this.crashTimes.set(key, times);
    if (times.length < crashLimit) return;
    this.crashTimes.delete(key);
    const reason = `crashed ${times.length} times within ${Math.round(crashWindowMs / 1000)} s (last: ${what})`;
    await this.installed.disable(tenantId, extensionId, reason, { id: null, label: 'system' }).catch((err: unknown) => this.log(tenantId, 'error', `could not disable ${extensionId}: ${String(err)}`));
  }

  private log(tenantId: string, level: string, message: string, extensionId?: string): void {
    if (this.config.logLevel === 'silent') return;
    const line = `[extension${extensionId ? ` ${extensionId}` : ' host'} @ ${tenantId}] ${message}`;
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else if (this.config.logLevel === 'debug') console.log(line);
  }

  private stopIdle(): void {
    const now = Date.now();
    for (const [tenantId, host] of this.hosts) {
      if (host.inFlight.size === 0 && now - host.lastUsed > this.config.extensions.hostIdleMs) {
        this.hosts.delete(tenantId);
        void host.shutdown();
      }
    }
  }

  /** Activates (lazily) and calls into an extension of a tenant, translating host failures. */
  private async call<T>(tenantId: string, installed: InstalledExtension, activationEvent: string, timeoutMs: number, run: (host: TenantHost) => Promise<T>): Promise<T> {
    const host = await this.hostFor(tenantId);
    return host.track(installed.extensionId, async () => {
      let timer: NodeJS.Timeout | undefined;
      // The host enforces the extension's own deadlines; this one covers a host that went quiet.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ExtensionTimeoutError(`${installed.extensionId} did not answer within ${timeoutMs} ms.`)), timeoutMs + 2000);
      });
      try {
        const sidecars = host.isActive(installed.extensionId) ? [] : await this.sidecars.addresses(tenantId, installed);
        const settings = { configuration: this.environment.configuration(installed), network: this.environment.network(installed), sidecars };
        await Promise.race([host.ensureActive(installed, () => this.installed.mainSource(installed), activationEvent, settings), deadline]);
        return await Promise.race([run(host), deadline]);
      } catch (err) {
        throw translate(err, installed.extensionId, host.alive);
      } finally {
        clearTimeout(timer);
      }
    });
  }

  invokeTool(tenantId: string, installed: InstalledExtension, tool: string, args: Record<string, JsonValue>, callId: string, context: CallContext, timeoutMs: number): Promise<ToolInvokeResult> {
    return this.call(tenantId, installed, `onTool:${tool}`, timeoutMs, (host) =>
      host.connection.sendRequest(ToolInvokeRequest, { extensionId: installed.extensionId, tool, args, callId, context }),
    );
  }

  /** Streams a model answer; chunks arrive through `onChunk` before the call resolves. */
  async chat(
    tenantId: string,
    installed: InstalledExtension,
    providerId: string,
    request: ChatRequest,
    context: CallContext,
    onChunk: (chunk: ChatChunk) => void,
    signal?: AbortSignal,
  ): Promise<ChatResult> {
    const requestId = randomUUID();
    this.chatStreams.set(requestId, onChunk);
    let cancel: (() => void) | undefined;
    try {
      return await this.call(tenantId, installed, `onModelProvider:${providerId}`, this.config.extensions.wallMsPerCall, (host) => {
        cancel = () => void host.connection.sendNotification(ModelCancelNotification, { requestId }).catch(() => undefined);
        if (signal?.aborted) cancel();
        else signal?.addEventListener('abort', cancel, { once: true });
        return host.connection.sendRequest(ModelChatRequest, { requestId, extensionId: installed.extensionId, providerId, request, context });
      });
    } finally {
      this.chatStreams.delete(requestId);
      if (cancel) signal?.removeEventListener('abort', cancel);
    }
  }

  runCommand(tenantId: string, installed: InstalledExtension, command: string, args: JsonValue[], context: CallContext): Promise<JsonValue> {
    const timeout = this.config.extensions.wallMsPerCall;
    return this.call(tenantId, installed, `onCommand:${command}`, timeout, async (host) => {
      const result = await host.connection.sendRequest(CommandRunRequest, { extensionId: installed.extensionId, command, args, context });
      return result.result;
    });
  }
}

/** Maps what came back from the host to the kernel's typed errors, keeping the host's message. */
function translate(err: unknown, extensionId: string, hostAlive: boolean): unknown {
  if (!(err instanceof ResponseError)) return err;
  const name = pennyErrorName(err.code);
  const data = (err.data ?? {}) as Record<string, unknown>;
  const extra = { extensionId, ...(name ? { reason: name } : {}), ...(typeof data.host === 'string' ? { host: data.host } : {}) };
  if (isPennyError(err, 'ToolTimeout')) return new ExtensionTimeoutError(`${extensionId}: ${err.message}`, extra);
  if (name) return new ExtensionFailedError(`${extensionId}: ${err.message}`, extra);
  // Not a Penny error: the connection itself went away (the host died mid-call).
  return new ExtensionFailedError(
    hostAlive ? `${extensionId}: ${err.message}` : `The extension host stopped while ${extensionId} was running; it restarts on the next call.`,
    { ...extra, reason: 'HostCrashed' },
  );
}
