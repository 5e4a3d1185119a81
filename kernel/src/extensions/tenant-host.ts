// One extension-host child process serving one tenant: forked on first need, connected over
// JSON-RPC on the IPC channel, watched by heartbeat, and disposed when it exits so that pending
// calls fail at once instead of hanging.
import { fork, type ChildProcess } from 'node:child_process';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { hostEntry, hostExecArgv } from '@penny/extension-host';
import {
  ExtensionActivateRequest,
  ExtensionDeactivateRequest,
  HostInitializeRequest,
  HostPingRequest,
  HostShutdownRequest,
  HostStatsRequest,
  PROTOCOL_VERSION,
  type EgressPolicy,
  type ExtensionLimits,
  type JsonValue,
  type SidecarAddress,
} from '@penny/manifests';
import type { InstalledExtension } from './installed-extensions.ts';

export interface TenantHostOptions {
  tenantId: string;
  kernelVersion: string;
  limits: ExtensionLimits;
  egress: EgressPolicy;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /** Registers the host → kernel handlers on a fresh connection. */
  serve(connection: MessageConnection): void;
  /** Called once when the process is gone, whatever the cause. */
  onExit(host: TenantHost, reason: string): void;
}

export class TenantHost {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  private readonly active = new Map<string, Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** When the ping still waiting for its answer was sent; undefined when none is outstanding. */
  private pingSentAt: number | undefined;
  private exited = false;
  /** Calls in flight per extension, so a crash can be charged to whoever was running. */
  readonly inFlight = new Map<string, number>();
  lastUsed = Date.now();
  readonly ready: Promise<void>;

  constructor(private readonly options: TenantHostOptions) {
    this.child = fork(hostEntry, [], {
      execArgv: [...hostExecArgv],
      serialization: 'json',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, PENNY_HOST_TENANT: options.tenantId },
    });
    this.connection = createMessageConnection(new IPCMessageReader(this.child), new IPCMessageWriter(this.child));
    this.child.once('exit', (code, signal) => this.handleExit(signal ? `killed by ${signal}` : `exited with code ${code}`));
    this.child.once('error', (err) => this.handleExit(`failed: ${err.message}`));
    this.connection.onClose(() => this.handleExit('connection closed'));
    options.serve(this.connection);
    this.connection.listen();
    this.ready = this.initialize();
    // An unhandled rejection would be fatal; readiness failures surface through `ready` to callers.
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  private async initialize(): Promise<void> {
    await this.connection.sendRequest(HostInitializeRequest, {
      tenantId: this.options.tenantId,
      kernelVersion: this.options.kernelVersion,
      protocolVersion: PROTOCOL_VERSION,
      limits: this.options.limits,
      egress: this.options.egress,
      sidecars: true,
    });
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Like VS Code's watchdog: a host that leaves a ping unanswered too long is killed (and restarted later). */
  private beat(): void {
    const now = Date.now();
    if (this.pingSentAt !== undefined) {
      if (now - this.pingSentAt > this.options.heartbeatTimeoutMs) this.kill(`unresponsive for ${now - this.pingSentAt} ms`);
      return;
    }
    this.pingSentAt = now;
    this.connection.sendRequest(HostPingRequest, { sentAt: now }).then(
      () => void (this.pingSentAt = undefined),
      () => undefined,
    );
  }

  /** Activates the extension once; concurrent callers share the same activation. */
  ensureActive(
    installed: InstalledExtension,
    source: () => Promise<string>,
    activationEvent: string,
    settings: { configuration: Record<string, JsonValue>; network: string[]; sidecars?: SidecarAddress[] },
  ): Promise<void> {
    let activation = this.active.get(installed.extensionId);
    if (!activation) {
      activation = (async () => {
        await this.ready;
        await this.connection.sendRequest(ExtensionActivateRequest, {
          extensionId: installed.extensionId,
          manifest: installed.manifest,
          source: await source(),
          permissions: { ...installed.permissions, network: settings.network },
          configuration: settings.configuration,
          ...(settings.sidecars?.length ? { sidecars: settings.sidecars } : {}),
          activationEvent,
        });
      })();
      this.active.set(installed.extensionId, activation);
      activation.catch(() => this.active.delete(installed.extensionId));
    }
    return activation;
  }

  isActive(extensionId: string): boolean {
    return this.active.has(extensionId);
  }

  async deactivate(extensionId: string): Promise<void> {
    if (!this.active.delete(extensionId) || this.exited) return;
    await this.connection.sendRequest(ExtensionDeactivateRequest, { extensionId }).catch(() => undefined);
  }

  /** Runs a call against one extension, counting it as in flight for crash attribution. */
  async track<T>(extensionId: string, call: () => Promise<T>): Promise<T> {
    this.lastUsed = Date.now();
    this.inFlight.set(extensionId, (this.inFlight.get(extensionId) ?? 0) + 1);
    try {
      return await call();
    } finally {
      const n = (this.inFlight.get(extensionId) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(extensionId);
      else this.inFlight.set(extensionId, n);
      this.lastUsed = Date.now();
    }
  }

  stats() {
    return this.connection.sendRequest(HostStatsRequest, {});
  }

  kill(reason: string): void {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    this.handleExit(reason);
  }

  async shutdown(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await Promise.race([this.connection.sendRequest(HostShutdownRequest, {}).catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    if (!this.exited) this.child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    this.handleExit('stopped');
  }

  private handleExit(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    clearInterval(this.heartbeat);
    // Disposing rejects every pending request; without it they would wait forever.
    this.connection.dispose();
    this.active.clear();
    this.options.onExit(this, reason);
  }
}
