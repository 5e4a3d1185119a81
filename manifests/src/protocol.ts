// The whole kernel⇄extension-host protocol: every JSON-RPC request and notification in both
// directions, their params and results, and the error codes that cross the boundary.
// Both sides import this file; no message is defined anywhere else.
import { NotificationType, RequestType, ResponseError } from 'vscode-jsonrpc';
import type { ExtensionManifest } from './manifest.types.ts';
import type { ArtifactDraft, ChatChunk, ChatRequest, ChatResult, DatasourceResult, EmbedResult, JsonValue, LogLevel } from './api.ts';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Errors. Application codes live outside JSON-RPC's reserved -32768..-32000 range.

export const PennyErrorCodes = {
  /** A call exceeded its CPU or wall-clock budget; the isolate was reset. */
  ToolTimeout: 1001,
  /** The isolate died (or was reset) while the call was running. */
  ExtensionCrashed: 1002,
  /** The isolate went over its memory limit and was disposed. */
  MemoryLimit: 1003,
  /** `fetch` to a host outside `permissions.network` or the tenant's egress policy. */
  EgressDenied: 1004,
  /** A secret, datasource, storage scope or contribution the caller was not granted. */
  PermissionDenied: 1005,
  InvalidArguments: 1006,
  /** The extension is not active on this host. */
  NotActivated: 1007,
  /** No such tool, provider, command, key or extension. */
  NotFound: 1008,
  Cancelled: 1009,
  /** The extension's own code threw or rejected. */
  ExtensionError: 1010,
  ActivationFailed: 1011,
  ResultTooLarge: 1012,
  /** Protocol versions of kernel and host differ, or the host was not initialized. */
  ProtocolMismatch: 1013,
} as const;

export type PennyErrorCode = (typeof PennyErrorCodes)[keyof typeof PennyErrorCodes];
export type PennyErrorName = keyof typeof PennyErrorCodes;

export interface PennyErrorData {
  extensionId?: string;
  /** Why an isolate was reset: `cpu`, `wall`, `memory`, `crash`. */
  reason?: CrashReason;
  /** The `host[:port]` refused by egress policy. */
  host?: string;
  limit?: number;
  /** The `name` of a thrown Error inside the isolate, when there was one. */
  errorName?: string;
}

const nameByCode = new Map<number, PennyErrorName>(
  Object.entries(PennyErrorCodes).map(([name, code]) => [code, name as PennyErrorName]),
);

export function pennyErrorName(code: number): PennyErrorName | undefined {
  return nameByCode.get(code);
}

export function pennyError(name: PennyErrorName, message: string, data?: PennyErrorData): ResponseError<PennyErrorData | undefined> {
  return new ResponseError(PennyErrorCodes[name], message, data);
}

export function isPennyError(value: unknown, name?: PennyErrorName): value is ResponseError<PennyErrorData | undefined> {
  if (!(value instanceof ResponseError) || !nameByCode.has(value.code)) return false;
  return name === undefined || value.code === PennyErrorCodes[name];
}

// ---------------------------------------------------------------------------------------------
// Shared shapes

export interface ExtensionLimits {
  /** Isolate heap limit. */
  memoryMb: number;
  /** Synchronous CPU time per call into the isolate; continuous busy time is watched too. */
  cpuMsPerCall: number;
  /** Wall-clock deadline per call, covering promises that never settle. */
  wallMsPerCall: number;
}

export interface EgressPolicy {
  /** Host patterns (see `matchesHostPattern`) any extension of the tenant may reach; `*` for all. */
  allow: string[];
}

export interface GrantedPermissions {
  network: string[];
  secrets: string[];
  datasources: string[];
}

export interface CallContext {
  userId: string;
  conversationId?: string;
}

export type CrashReason = 'cpu' | 'wall' | 'memory' | 'crash';

// ---------------------------------------------------------------------------------------------
// kernel → host

export interface HostInitializeParams {
  tenantId: string;
  kernelVersion: string;
  protocolVersion: number;
  /** Defaults for extensions activated without their own limits. */
  limits: ExtensionLimits;
  egress: EgressPolicy;
  /** The kernel supervises sidecars and answers `sidecar/connect` for loopback fetches. */
  sidecars?: boolean;
}
export interface HostInitializeResult {
  protocolVersion: number;
  pid: number;
  nodeVersion: string;
}
export const HostInitializeRequest = new RequestType<HostInitializeParams, HostInitializeResult, PennyErrorData>('host/initialize');

export interface ExtensionActivateParams {
  extensionId: string;
  manifest: ExtensionManifest;
  /** Text of the `main` bundle (esbuild iife). */
  source: string;
  /** What the tenant admin granted; the host also intersects it with what the manifest declares. */
  permissions: GrantedPermissions;
  limits?: Partial<ExtensionLimits>;
  /** The event that caused activation, for logs. */
  activationEvent?: string;
  /**
   * The tenant's settings for this extension, shaped by its `contributes.configuration` schema.
   * Extension code reads them with `penny.configuration.get(key)`; a key left out falls back to
   * the `default` the schema declares. For model providers, `models` (ids, or objects with an `id`)
   * adds to the models the manifest lists. A change takes effect at the next activation.
   */
  configuration?: Record<string, JsonValue>;
  /**
   * Where the extension's declared sidecars will listen (`http://127.0.0.1:<port>`), served by
   * `penny.sidecars.url(id)`. A sidecar starts on the first fetch to its address.
   */
  sidecars?: SidecarAddress[];
}
export interface SidecarAddress {
  id: string;
  url: string;
}
export interface ExtensionActivateResult {
  activationMs: number;
  registered: RegisteredContributions;
}
export interface RegisteredContributions {
  tools: string[];
  modelProviders: string[];
  commands: string[];
}
export const ExtensionActivateRequest = new RequestType<ExtensionActivateParams, ExtensionActivateResult, PennyErrorData>('extension/activate');

export interface ExtensionDeactivateParams {
  extensionId: string;
}
export const ExtensionDeactivateRequest = new RequestType<ExtensionDeactivateParams, void, PennyErrorData>('extension/deactivate');

export interface ToolInvokeParams {
  extensionId: string;
  tool: string;
  args: Record<string, JsonValue>;
  callId: string;
  context: CallContext;
}
export interface ToolInvokeResult {
  content: JsonValue;
  artifacts?: ArtifactDraft[];
}
export const ToolInvokeRequest = new RequestType<ToolInvokeParams, ToolInvokeResult, PennyErrorData>('tool/invoke');

export interface ModelChatParams {
  /** Chosen by the kernel; chunks and `model/cancel` refer to it. */
  requestId: string;
  extensionId: string;
  providerId: string;
  request: ChatRequest;
  context: CallContext;
}
/** Resolves once the stream ended; chunks came before it as `model/chatChunk`. */
export const ModelChatRequest = new RequestType<ModelChatParams, ChatResult, PennyErrorData>('model/chat');

export interface ModelCancelParams {
  requestId: string;
}
export const ModelCancelNotification = new NotificationType<ModelCancelParams>('model/cancel');

export interface ModelEmbedParams {
  extensionId: string;
  providerId: string;
  model: string;
  input: string[];
  context: CallContext;
}
export const ModelEmbedRequest = new RequestType<ModelEmbedParams, EmbedResult, PennyErrorData>('model/embed');

export interface CommandRunParams {
  extensionId: string;
  command: string;
  args: JsonValue[];
  context: CallContext;
}
export interface CommandRunResult {
  result: JsonValue;
}
export const CommandRunRequest = new RequestType<CommandRunParams, CommandRunResult, PennyErrorData>('command/run');

export interface HostPingParams {
  sentAt: number;
}
export interface HostPingResult {
  sentAt: number;
  uptimeMs: number;
}
export const HostPingRequest = new RequestType<HostPingParams, HostPingResult, PennyErrorData>('host/ping');

export interface IsolateStats {
  extensionId: string;
  state: 'activating' | 'active' | 'reset' | 'disposed';
  usedHeapBytes: number;
  heapLimitBytes: number;
  externalBytes: number;
  cpuTimeMs: number;
  calls: number;
  restarts: number;
}
export interface HostStatsResult {
  rssBytes: number;
  heapUsedBytes: number;
  uptimeMs: number;
  /** Host-level unhandled rejections and uncaught exceptions survived; should stay 0. */
  hostFaults: number;
  isolates: IsolateStats[];
}
export const HostStatsRequest = new RequestType<Record<string, never>, HostStatsResult, PennyErrorData>('host/stats');

/** Deactivate everything and exit; the supervisor may also just kill the process. */
export const HostShutdownRequest = new RequestType<Record<string, never>, void, PennyErrorData>('host/shutdown');

// ---------------------------------------------------------------------------------------------
// host → kernel. `extensionId` is set by the host from the isolate it serves, never by extension
// code; the kernel scopes every call by the host's tenant and that id, and checks grants again.

export interface StorageGetParams {
  extensionId: string;
  key: string;
}
export interface StorageGetResult {
  found: boolean;
  value?: JsonValue;
}
export const StorageGetRequest = new RequestType<StorageGetParams, StorageGetResult, PennyErrorData>('storage/get');

export interface StorageSetParams {
  extensionId: string;
  key: string;
  value: JsonValue;
}
export const StorageSetRequest = new RequestType<StorageSetParams, void, PennyErrorData>('storage/set');

export interface StorageDeleteParams {
  extensionId: string;
  key: string;
}
export interface StorageDeleteResult {
  deleted: boolean;
}
export const StorageDeleteRequest = new RequestType<StorageDeleteParams, StorageDeleteResult, PennyErrorData>('storage/delete');

export interface StorageListParams {
  extensionId: string;
  prefix?: string;
}
export interface StorageListResult {
  keys: string[];
}
export const StorageListRequest = new RequestType<StorageListParams, StorageListResult, PennyErrorData>('storage/list');

export interface SecretsResolveParams {
  extensionId: string;
  name: string;
}
export interface SecretsResolveResult {
  value: string;
}
export const SecretsResolveRequest = new RequestType<SecretsResolveParams, SecretsResolveResult, PennyErrorData>('secrets/resolve');

export interface DatasourceQueryParams {
  extensionId: string;
  datasource: string;
  query: string;
  params?: JsonValue[] | Record<string, JsonValue>;
  context?: CallContext;
}
export const DatasourceQueryRequest = new RequestType<DatasourceQueryParams, DatasourceResult, PennyErrorData>('datasource/query');

export interface ArtifactCreateParams {
  extensionId: string;
  artifact: ArtifactDraft;
  /** Lineage: the tool call during which the artifact was made, when there was one. */
  callId?: string;
  context?: CallContext;
}
export interface ArtifactCreateResult {
  artifactId: string;
  version: number;
}
export const ArtifactCreateRequest = new RequestType<ArtifactCreateParams, ArtifactCreateResult, PennyErrorData>('artifact/create');

/**
 * Asked by the host before any fetch to a loopback address. For the port of one of the calling
 * extension's own sidecars the kernel starts it if needed and answers once it is ready, with the
 * token the host adds as `SIDECAR_TOKEN_HEADER` (and the current port, should it have moved).
 * A port of any other sidecar (another extension, another tenant) is `foreign` and refused.
 */
export interface SidecarConnectParams {
  extensionId: string;
  port: number;
}
export type SidecarConnectResult = { kind: 'own'; sidecarId: string; port: number; token: string } | { kind: 'foreign' } | { kind: 'none' };
export const SidecarConnectRequest = new RequestType<SidecarConnectParams, SidecarConnectResult, PennyErrorData>('sidecar/connect');
export const SIDECAR_TOKEN_HEADER = 'x-penny-sidecar-token';

export interface LogParams {
  level: LogLevel;
  message: string;
  /** Absent for the host's own messages. */
  extensionId?: string;
  data?: JsonValue;
}
export const LogNotification = new NotificationType<LogParams>('log');

export interface ModelChatChunkParams {
  requestId: string;
  /** Position in the stream, from 0. */
  seq: number;
  chunk: ChatChunk;
}
export const ModelChatChunkNotification = new NotificationType<ModelChatChunkParams>('model/chatChunk');

export interface ExtensionDidCrashParams {
  extensionId: string;
  reason: CrashReason;
  message: string;
  /** Resets of this extension since it was activated. */
  restarts: number;
}
export const ExtensionDidCrashNotification = new NotificationType<ExtensionDidCrashParams>('extension/didCrash');
