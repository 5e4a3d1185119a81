// The kernel's side of the protocol, small and in memory, for tests and benchmarks: forks the real
// host process, answers its host → kernel requests, and bundles fixture extensions with esbuild.
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  ArtifactCreateRequest,
  DatasourceQueryRequest,
  ExtensionActivateRequest,
  ExtensionDidCrashNotification,
  HostInitializeRequest,
  HostPingRequest,
  HostStatsRequest,
  LogNotification,
  ModelChatChunkNotification,
  PROTOCOL_VERSION,
  SecretsResolveRequest,
  StorageDeleteRequest,
  StorageGetRequest,
  StorageListRequest,
  StorageSetRequest,
  ToolInvokeRequest,
  extensionId as idOf,
  formatManifestErrors,
  pennyError,
  validateManifest,
  type ArtifactCreateParams,
  type ExtensionActivateResult,
  type ExtensionDidCrashParams,
  type ExtensionLimits,
  type ExtensionManifest,
  type GrantedPermissions,
  type JsonValue,
  type LogParams,
  type ModelChatChunkParams,
  type SecretsResolveParams,
  type ToolInvokeResult,
} from '@penny/manifests';
import { hostEntry, hostExecArgv } from '../src/index.ts';

export interface Fixture {
  extensionId: string;
  manifest: ExtensionManifest;
  source: string;
}

const bundles = new Map<string, Promise<Fixture>>();

/** Validates `<dir>/manifest.json` and bundles `entry` (relative to `dir`) as the kernel does. Cached. */
export function loadBundle(dir: string, entry: string): Promise<Fixture> {
  const key = `${dir}\0${entry}`;
  let loaded = bundles.get(key);
  if (!loaded) {
    loaded = (async () => {
      const validation = validateManifest(JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')));
      if (!validation.ok) throw new Error(`${dir}: ${formatManifestErrors(validation.errors)}`);
      const bundle = await build({
        entryPoints: [path.join(dir, entry)],
        bundle: true,
        format: 'iife',
        globalName: '__pennyExtension',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      return { extensionId: idOf(validation.manifest), manifest: validation.manifest, source: bundle.outputFiles[0]!.text };
    })();
    bundles.set(key, loaded);
  }
  return loaded;
}

export function loadFixture(name: string): Promise<Fixture> {
  return loadBundle(fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url)), 'extension.ts');
}

export interface ActivateOptions {
  limits?: Partial<ExtensionLimits>;
  permissions?: GrantedPermissions;
  configuration?: Record<string, JsonValue>;
}

export const testLimits: ExtensionLimits = { memoryMb: 64, cpuMsPerCall: 1000, wallMsPerCall: 10_000 };

export interface KernelOptions {
  egress?: string[];
  limits?: Partial<ExtensionLimits>;
  /** Secret values by extension id, then name. */
  secrets?: Record<string, Record<string, string>>;
}

export class TestKernel {
  readonly storage = new Map<string, Map<string, JsonValue>>();
  readonly artifacts: ArtifactCreateParams[] = [];
  readonly logs: LogParams[] = [];
  readonly crashes: ExtensionDidCrashParams[] = [];
  readonly chunks = new Map<string, ModelChatChunkParams[]>();
  readonly secretLookups: SecretsResolveParams[] = [];
  readonly active = new Map<string, ExtensionManifest>();
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly connection: MessageConnection,
    private readonly options: KernelOptions,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    // Without this, requests pending when the host dies would never settle.
    child.once('exit', () => connection.dispose());
    connection.onClose(() => connection.dispose());
    this.serve();
  }

  static async start(options: KernelOptions = {}): Promise<TestKernel> {
    const child = fork(hostEntry, [], { execArgv: [...hostExecArgv], serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const kernel = new TestKernel(child, connection, options);
    connection.listen();
    await connection.sendRequest(HostInitializeRequest, {
      tenantId: 'tenant-a',
      kernelVersion: '1.0.0',
      protocolVersion: PROTOCOL_VERSION,
      limits: { ...testLimits, ...options.limits },
      egress: { allow: options.egress ?? ['127.0.0.1', 'localhost'] },
    });
    return kernel;
  }

  /** Activates a fixture by name, or an already loaded bundle; grants what its manifest declares. */
  async activate(fixtureOrName: string | Fixture, options: ActivateOptions = {}): Promise<ExtensionActivateResult & { extensionId: string }> {
    const fixture = typeof fixtureOrName === 'string' ? await loadFixture(fixtureOrName) : fixtureOrName;
    const declared = fixture.manifest.permissions ?? {};
    this.active.set(fixture.extensionId, fixture.manifest);
    const result = await this.connection.sendRequest(ExtensionActivateRequest, {
      extensionId: fixture.extensionId,
      manifest: fixture.manifest,
      source: fixture.source,
      permissions: options.permissions ?? { network: declared.network ?? [], secrets: declared.secrets ?? [], datasources: declared.datasources ?? [] },
      limits: options.limits,
      configuration: options.configuration,
    });
    return { ...result, extensionId: fixture.extensionId };
  }

  invoke(extensionId: string, tool: string, args: Record<string, JsonValue> = {}, callId = `call-${Math.random().toString(36).slice(2)}`): Promise<ToolInvokeResult> {
    return this.connection.sendRequest(ToolInvokeRequest, { extensionId, tool, args, callId, context: { userId: 'user-1', conversationId: 'conv-1' } });
  }

  ping() {
    return this.connection.sendRequest(HostPingRequest, { sentAt: Date.now() });
  }

  stats() {
    return this.connection.sendRequest(HostStatsRequest, {});
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    this.connection.dispose();
  }

  private requireActive(extensionId: string): ExtensionManifest {
    const manifest = this.active.get(extensionId);
    if (!manifest) throw pennyError('PermissionDenied', `${extensionId} is not installed for this tenant`);
    return manifest;
  }

  private scope(extensionId: string): Map<string, JsonValue> {
    this.requireActive(extensionId);
    let scope = this.storage.get(extensionId);
    if (!scope) this.storage.set(extensionId, (scope = new Map()));
    return scope;
  }

  private serve(): void {
    const c = this.connection;
    c.onRequest(StorageGetRequest, (p) => {
      const scope = this.scope(p.extensionId);
      return scope.has(p.key) ? { found: true, value: scope.get(p.key) } : { found: false };
    });
    c.onRequest(StorageSetRequest, (p) => void this.scope(p.extensionId).set(p.key, p.value));
    c.onRequest(StorageDeleteRequest, (p) => ({ deleted: this.scope(p.extensionId).delete(p.key) }));
    c.onRequest(StorageListRequest, (p) => ({ keys: [...this.scope(p.extensionId).keys()].filter((k) => k.startsWith(p.prefix ?? '')) }));
    c.onRequest(SecretsResolveRequest, (p) => {
      this.secretLookups.push(p);
      const manifest = this.requireActive(p.extensionId);
      const value = this.options.secrets?.[p.extensionId]?.[p.name];
      if (!manifest.permissions?.secrets?.includes(p.name) || value === undefined) {
        throw pennyError('PermissionDenied', `secret ${p.name} is not available to ${p.extensionId}`);
      }
      return { value };
    });
    c.onRequest(DatasourceQueryRequest, (p) => {
      if (!this.requireActive(p.extensionId).permissions?.datasources?.includes(p.datasource)) {
        throw pennyError('PermissionDenied', `datasource ${p.datasource} is not granted to ${p.extensionId}`);
      }
      return { columns: [{ name: 'query' }], rows: [[p.query]] };
    });
    c.onRequest(ArtifactCreateRequest, (p) => {
      this.requireActive(p.extensionId);
      this.artifacts.push(p);
      return { artifactId: `artifact-${this.artifacts.length}`, version: 1 };
    });
    c.onNotification(LogNotification, (p) => void this.logs.push(p));
    c.onNotification(ExtensionDidCrashNotification, (p) => void this.crashes.push(p));
    c.onNotification(ModelChatChunkNotification, (p) => {
      const list = this.chunks.get(p.requestId) ?? [];
      list.push(p);
      this.chunks.set(p.requestId, list);
    });
  }
}

/** Resolves with the rejection of `promise` (fails if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<{ code: number; message: string; data?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string; data?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
