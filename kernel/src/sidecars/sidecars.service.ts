// The sidecar supervisor: native helper processes that extensions declare, one per (tenant,
// extension, sidecar id). Each gets a loopback port when its extension activates, starts on the
// first request to it, is restarted (after a backoff) on the next request after a crash, and is
// given up on, with an audit event, when it keeps crashing. Sidecars stop with their extension
// (disabled, uninstalled, updated), their tenant's host, when idle, and with the kernel.
import { inject, injectable } from 'inversify';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pennyError, type SidecarAddress, type SidecarConnectResult, type SidecarContribution } from '@penny/manifests';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { KernelConfig } from '../config/config.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { Database } from '../database/database.service.ts';
import { InstalledExtensions, type InstalledExtension } from '../extensions/installed-extensions.ts';
import { ProviderEnvironment } from '../extensions/provider-environment.ts';
import { SecretBox } from '../extensions/secret-box.ts';
import { sidecarEntry, unpackedBundle } from './bundle-dir.ts';
import { SidecarProcess, type SidecarExit } from './sidecar-process.ts';

/** Memory of a sidecar whose manifest names none. */
export const DEFAULT_SIDECAR_MEMORY_MB = 256;
const READY_TIMEOUT_MS = 60_000;
/** A caller waits this long for a restart after a crash; beyond it, the request fails. */
const MAX_RESTART_WAIT_MS = 2000;

interface SidecarState {
  tenantId: string;
  extensionId: string;
  sidecarId: string;
  port: number;
  token: string;
  process?: SidecarProcess;
  starting?: Promise<SidecarProcess>;
  crashTimes: number[];
  consecutiveCrashes: number;
  notBefore: number;
  gaveUp?: string;
  lastExit?: SidecarExit;
  lastUsed: number;
}

export interface SidecarStatus {
  sidecarId: string;
  port: number;
  pid: number | null;
  peakRssBytes: number;
  crashes: number;
  lastExit: SidecarExit | null;
  gaveUp: string | null;
}

/** The directory holding the platform's packages, given to sidecars as NODE_PATH. */
function platformModules(): string {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.resolve('node-llama-cpp')));
    while (path.basename(dir) !== 'node_modules' && path.dirname(dir) !== dir) dir = path.dirname(dir);
    if (path.basename(dir) === 'node_modules') return dir;
  } catch {
    // not installed: the repository's own node_modules below
  }
  return fileURLToPath(new URL('../../../node_modules', import.meta.url));
}

/** The binding of a sealed extension secret, as the host API seals and opens it (host-kernel-api.ts's
 * `secretContext`; not imported, since that module depends on this one). */
function secretContext(tenantId: string, extensionId: string, name: string): string {
  return `${tenantId}/${extensionId}/${name}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

@injectable()
export class Sidecars implements LifecycleContribution {
  /** Before the extension hosts (60), so hosts stop first and sidecars after them. */
  readonly order = 55;
  private readonly states = new Map<string, SidecarState>();
  /** Every port ever handed out, to its sidecar: an old address still finds it after a move. */
  private readonly byPort = new Map<number, SidecarState>();
  private readonly modules = platformModules();
  private sweeper: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(Database) private readonly db: Database,
    @inject(InstalledExtensions) private readonly installed: InstalledExtensions,
    @inject(SecretBox) private readonly secrets: SecretBox,
    @inject(ProviderEnvironment) private readonly environment: ProviderEnvironment,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) bus: EventBus,
  ) {
    for (const event of ['extension.disabled', 'extension.updated'] as const) {
      bus.on(event, (p) => void this.stopExtension(p.tenantId, p.extensionId, event.slice('extension.'.length)));
    }
    // An uninstalled extension's ports are not kept for it.
    bus.on(
      'extension.uninstalled',
      (p) => void this.stopExtension(p.tenantId, p.extensionId, 'uninstalled').then(() => this.forget(p.tenantId, p.extensionId)),
    );
    // A new version, or the admin turning it back on, gets a fresh chance.
    for (const event of ['extension.enabled', 'extension.updated', 'extension.configured'] as const) {
      bus.on(event, (p) => this.forgive(p.tenantId, p.extensionId));
    }
  }

  async start(): Promise<void> {
    const idle = this.config.extensions.hostIdleMs;
    this.sweeper = setInterval(() => this.stopIdle(), Math.min(30_000, Math.max(1000, idle / 2)));
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.states.values()].map((state) => this.stopOne(state, 'kernel stopped')));
  }

  private key(tenantId: string, extensionId: string, sidecarId: string): string {
    return `${tenantId}|${extensionId}|${sidecarId}`;
  }

  /** The addresses of an extension's sidecars, for its activation; ports are reserved, nothing starts. */
  async addresses(tenantId: string, installed: InstalledExtension): Promise<SidecarAddress[]> {
    const declared = installed.manifest.contributes?.sidecars ?? [];
    const addresses: SidecarAddress[] = [];
    for (const sidecar of declared) {
      const key = this.key(tenantId, installed.extensionId, sidecar.id);
      let state = this.states.get(key);
      if (!state) {
        const port = await freePort();
        state = this.states.get(key) ?? {
          tenantId,
          extensionId: installed.extensionId,
          sidecarId: sidecar.id,
          port,
          token: randomBytes(32).toString('base64url'),
          crashTimes: [],
          consecutiveCrashes: 0,
          notBefore: 0,
          lastUsed: Date.now(),
        };
        this.states.set(key, state);
        this.byPort.set(state.port, state);
      }
      addresses.push({ id: sidecar.id, url: `http://127.0.0.1:${state.port}` });
    }
    return addresses;
  }

  /** Answers a host asking about a loopback port (see `SidecarConnectRequest`). */
  async connect(tenantId: string, extensionId: string, port: number): Promise<SidecarConnectResult> {
    const state = this.byPort.get(port);
    if (!state) return { kind: 'none' };
    if (state.tenantId !== tenantId || state.extensionId !== extensionId) return { kind: 'foreign' };
    state.lastUsed = Date.now();
    await this.ensureRunning(state);
    state.lastUsed = Date.now();
    return { kind: 'own', sidecarId: state.sidecarId, port: state.port, token: state.token };
  }

  /** A sidecar as the supervisor sees it; undefined before its extension first activated. */
  status(tenantId: string, extensionId: string, sidecarId: string): SidecarStatus | undefined {
    const state = this.states.get(this.key(tenantId, extensionId, sidecarId));
    if (!state) return undefined;
    const running = state.process?.alive ? state.process : undefined;
    return {
      sidecarId,
      port: state.port,
      pid: running?.pid ?? null,
      peakRssBytes: running?.peakRssBytes ?? 0,
      crashes: state.crashTimes.length,
      lastExit: state.lastExit ?? null,
      gaveUp: state.gaveUp ?? null,
    };
  }

  async stopExtension(tenantId: string, extensionId: string, why: string): Promise<void> {
    const states = [...this.states.values()].filter((s) => s.tenantId === tenantId && s.extensionId === extensionId);
    await Promise.all(states.map((state) => this.stopOne(state, why)));
  }

  async stopTenant(tenantId: string, why: string): Promise<void> {
    await Promise.all([...this.states.values()].filter((s) => s.tenantId === tenantId).map((state) => this.stopOne(state, why)));
  }

  private forget(tenantId: string, extensionId: string): void {
    for (const [key, state] of this.states) {
      if (state.tenantId !== tenantId || state.extensionId !== extensionId || state.process?.alive || state.starting) continue;
      this.states.delete(key);
      for (const [port, owner] of this.byPort) if (owner === state) this.byPort.delete(port);
    }
  }

  private forgive(tenantId: string, extensionId: string): void {
    for (const state of this.states.values()) {
      if (state.tenantId !== tenantId || state.extensionId !== extensionId) continue;
      state.gaveUp = undefined;
      state.crashTimes = [];
      state.consecutiveCrashes = 0;
      state.notBefore = 0;
    }
  }

  private stopIdle(): void {
    const now = Date.now();
    for (const state of this.states.values()) {
      if (state.process?.alive && now - state.lastUsed > this.config.extensions.hostIdleMs) void this.stopOne(state, 'idle');
    }
  }

  private async stopOne(state: SidecarState, why: string): Promise<void> {
    const running = state.process ?? (await state.starting?.catch(() => undefined));
    if (running?.alive) await running.stop(why);
  }

  private ensureRunning(state: SidecarState): Promise<SidecarProcess> {
    if (state.process?.alive) return state.process.ready.then(() => state.process!);
    state.starting ??= this.launch(state).finally(() => {
      state.starting = undefined;
    });
    return state.starting;
  }

  private async launch(state: SidecarState): Promise<SidecarProcess> {
    const label = `${state.extensionId}/${state.sidecarId}`;
    if (this.stopping) throw pennyError('ExtensionError', 'the kernel is stopping; sidecars do not start');
    if (state.gaveUp)
      throw pennyError('ExtensionError', `sidecar ${label} was given up: ${state.gaveUp}. Disable and enable the extension to try again.`, {
        extensionId: state.extensionId,
      });
    const wait = state.notBefore - Date.now();
    if (wait > MAX_RESTART_WAIT_MS)
      throw pennyError('ExtensionError', `sidecar ${label} crashed and may restart in ${Math.ceil(wait / 1000)} s`, {
        extensionId: state.extensionId,
      });
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const installed = (await this.installed.enabled(state.tenantId)).find((e) => e.extensionId === state.extensionId);
    const declaration = installed?.manifest.contributes?.sidecars?.find((s) => s.id === state.sidecarId);
    if (!installed || !declaration)
      throw pennyError('PermissionDenied', `${state.extensionId} is not enabled or declares no sidecar ${state.sidecarId}`, {
        extensionId: state.extensionId,
      });
    const granted = await this.grantedSidecars(state.tenantId, state.extensionId);
    if (!granted.includes(state.sidecarId))
      throw pennyError('PermissionDenied', `the tenant admin did not accept the sidecar ${state.sidecarId} of ${state.extensionId}`, {
        extensionId: state.extensionId,
      });

    const bundleDir = await unpackedBundle(path.join(this.config.dataDir, 'sidecars', 'bundles'), installed.bundleSha256, async () => {
      const [row] = await this.db.query<{ bytes: Buffer }>(`SELECT bytes FROM extension_bundle WHERE id = ?`, [installed.bundleId]);
      if (!row) throw new Error(`the bundle of ${installed.extensionId} is missing from the catalog`);
      return new Uint8Array(Buffer.from(row.bytes));
    });
    const memoryMb = declaration.memoryMb ?? DEFAULT_SIDECAR_MEMORY_MB;
    const started = new SidecarProcess(
      {
        label,
        bundleDir,
        entry: sidecarEntry(bundleDir, declaration.command),
        args: declaration.args ?? [],
        env: await this.environmentFor(state, installed, declaration),
        port: state.port,
        token: state.token,
        memoryMb,
        readyTimeoutMs: READY_TIMEOUT_MS,
        log: (level, message) => this.log(level, `[sidecar ${label} @ ${state.tenantId}] ${message}`),
      },
      (exit) => this.onExit(state, started, exit),
    );
    state.process = started;
    try {
      await started.ready;
    } catch (error) {
      // The exit handler has counted the crash; the caller learns why.
      throw pennyError('ExtensionError', error instanceof Error ? error.message : String(error), { extensionId: state.extensionId });
    }
    state.consecutiveCrashes = 0;
    this.record(state, 'sidecar.started', 'success', { pid: started.pid ?? null, port: state.port, memoryMb });
    return started;
  }

  /** Only what the sidecar needs: no variable of the kernel's own environment leaks into it. */
  private async environmentFor(
    state: SidecarState,
    installed: InstalledExtension,
    declaration: SidecarContribution,
  ): Promise<Record<string, string>> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_PATH: this.modules,
      PENNY_SIDECAR_PORT: String(state.port),
      PENNY_SIDECAR_TOKEN: state.token,
      PENNY_SIDECAR_ID: state.sidecarId,
      PENNY_SIDECAR_PARENT_PID: String(process.pid),
    };
    const declared = installed.manifest.permissions?.secrets ?? [];
    for (const name of declaration.env ?? []) {
      if (!declared.includes(name) || !installed.permissions.secrets.includes(name)) continue;
      const value = await this.secretValue(state.tenantId, state.extensionId, name);
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  private async secretValue(tenantId: string, extensionId: string, name: string): Promise<string | undefined> {
    const rows = await this.db.tenant(tenantId, (em) =>
      em.execute<{ ciphertext: string }[]>(`SELECT ciphertext FROM extension_secret WHERE extension_id = ? AND name = ?`, [
        extensionId,
        name,
      ]),
    );
    if (rows[0]) return this.secrets.open(rows[0].ciphertext, secretContext(tenantId, extensionId, name));
    return this.environment.secret(extensionId, name);
  }

  private async grantedSidecars(tenantId: string, extensionId: string): Promise<string[]> {
    const rows = await this.db.tenant(tenantId, (em) =>
      em.execute<{ granted: { sidecars?: unknown } | null }[]>(
        `SELECT granted_permissions AS granted FROM extension_installation WHERE extension_id = ?`,
        [extensionId],
      ),
    );
    const sidecars = rows[0]?.granted?.sidecars;
    return Array.isArray(sidecars) ? sidecars.filter((s): s is string => typeof s === 'string') : [];
  }

  private onExit(state: SidecarState, exited: SidecarProcess, exit: SidecarExit): void {
    if (state.process === exited) state.process = undefined;
    state.lastExit = exit;
    if (exit.end === 'stopped') {
      this.record(state, 'sidecar.stopped', 'success', { pid: exited.pid ?? null, reason: exit.detail, peakRssBytes: exited.peakRssBytes });
      return;
    }
    const now = Date.now();
    const { crashLimit, crashWindowMs } = this.config.extensions;
    state.crashTimes = [...state.crashTimes.filter((t) => now - t < crashWindowMs), now];
    state.consecutiveCrashes++;
    state.notBefore = now + Math.min(30_000, 250 * 2 ** (state.consecutiveCrashes - 1));
    this.record(state, 'sidecar.crashed', 'failure', {
      pid: exited.pid ?? null,
      reason: exit.end,
      detail: exit.detail,
      output: exited.output.slice(-1000),
    });
    this.log('warn', `[sidecar ${state.extensionId}/${state.sidecarId} @ ${state.tenantId}] ${exit.end}: ${exit.detail}`);
    // A sidecar that listens beyond loopback is not retried: it would do the same again.
    if (exit.end === 'notLoopback' || state.crashTimes.length >= crashLimit) {
      state.gaveUp =
        exit.end === 'notLoopback'
          ? exit.detail
          : `crashed ${state.crashTimes.length} times within ${Math.round(crashWindowMs / 1000)} s (last: ${exit.detail})`;
      this.record(state, 'sidecar.gaveUp', 'failure', { reason: state.gaveUp });
    }
  }

  private record(state: SidecarState, action: string, outcome: 'success' | 'failure', payload: Record<string, unknown>): void {
    void this.audit
      .record({
        tenantId: state.tenantId,
        actorId: null,
        actor: 'system',
        action,
        outcome,
        target: `sidecar:${state.extensionId}/${state.sidecarId}`,
        payload,
      })
      .catch(() => undefined);
  }

  private log(level: 'info' | 'warn' | 'error', line: string): void {
    const quiet = this.config.logLevel === 'silent' || (level === 'info' && this.config.logLevel !== 'debug');
    if (quiet) return;
    if (level === 'info') console.log(line);
    else if (level === 'warn') console.warn(line);
    else console.error(line);
  }
}
