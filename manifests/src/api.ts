// The `penny` API as seen by extension code inside an isolate, and the data shapes it shares
// with the protocol. Extensions import these as types only.
import type { JsonSchemaObject } from './manifest.types.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Disposable {
  dispose(): void;
}

/** Structural subset of the web `AbortSignal`, satisfied by the isolate's and the DOM's. */
export interface PennyAbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

// --- artifacts -------------------------------------------------------------------------------

export const TABLE_MIME = 'application/vnd.penny.table+json';

export interface ArtifactDraft {
  mimeType: string;
  title: string;
  /** JSON for `encoding: "json"` (the default), a string for `text` and `base64`. */
  data: JsonValue;
  encoding?: 'json' | 'text' | 'base64';
  metadata?: Record<string, JsonValue>;
}

/** `data` of a `TABLE_MIME` artifact. */
export interface TableData {
  columns: Array<{ name: string; type?: 'string' | 'number' | 'boolean' | 'date' }>;
  rows: JsonValue[][];
}

export interface ArtifactRef {
  artifactId: string;
  version: number;
}

// --- tools and commands ----------------------------------------------------------------------

export interface ToolCallContext {
  callId: string;
  userId: string;
  conversationId?: string;
  /** Aborted when the kernel cancels the call. */
  signal: PennyAbortSignal;
}

export interface ToolResult {
  content: JsonValue;
  artifacts?: ArtifactDraft[];
}

export type ToolHandler = (args: Record<string, JsonValue>, context: ToolCallContext) => ToolResult | Promise<ToolResult>;

export type CommandHandler = (...args: JsonValue[]) => JsonValue | void | Promise<JsonValue | void>;

// --- models ----------------------------------------------------------------------------------

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image'; mimeType: string; data: string };

export interface ChatToolCall {
  id: string;
  name: string;
  /** JSON text, as models produce it. */
  arguments: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ChatContentPart[];
  toolCalls?: ChatToolCall[];
  /** For `role: "tool"`: the call this message answers. */
  toolCallId?: string;
}

export interface ChatToolSpec {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ChatToolSpec[];
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
}

export type FinishReason = 'stop' | 'length' | 'toolCalls' | 'contentFilter' | 'cancelled';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ToolCallDelta {
  /** Which call of this turn the delta belongs to (models may emit several in parallel). */
  index: number;
  id?: string;
  name?: string;
  argumentsDelta?: string;
}

export type ChatChunk =
  | { type: 'text'; delta: string }
  | ({ type: 'toolCall' } & ToolCallDelta)
  | ({ type: 'usage' } & Usage)
  | { type: 'done'; finishReason: FinishReason };

export interface ChatResult {
  finishReason: FinishReason;
  usage?: Usage;
}

/** Where a provider writes its stream; each call becomes one `model/chatChunk`. */
export interface ChatSink {
  text(delta: string): void;
  toolCall(delta: ToolCallDelta): void;
  usage(usage: Usage): void;
}

export interface EmbedRequest {
  model: string;
  input: string[];
}

export interface EmbedResult {
  embeddings: number[][];
  usage?: { inputTokens: number };
}

export interface ModelProvider {
  /** Streams into `sink`; resolves when the turn ended. Must stop promptly when `signal` aborts. */
  chat(request: ChatRequest, sink: ChatSink, signal: PennyAbortSignal): Promise<Partial<ChatResult> | void>;
  embed?(request: EmbedRequest, signal: PennyAbortSignal): Promise<EmbedResult>;
}

// --- data ------------------------------------------------------------------------------------

export interface DatasourceResult {
  columns: Array<{ name: string; type?: string }>;
  rows: JsonValue[][];
  truncated?: boolean;
}

// --- fetch (structural subset of the web API, so DOM-typed code fits) ------------------------

export interface PennyRequestInit {
  method?: string;
  headers?: Record<string, string> | Array<[string, string]> | { forEach(cb: (value: string, name: string) => void): void };
  body?: string | Uint8Array | ArrayBuffer | null;
  signal?: PennyAbortSignal | null;
  redirect?: 'follow' | 'error' | 'manual';
}

export interface PennyResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  /** A web `ReadableStream<Uint8Array>`. */
  readonly body: unknown;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

// --- the API ---------------------------------------------------------------------------------

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface PennyApi {
  readonly extensionId: string;
  readonly tools: { register(name: string, handler: ToolHandler): Disposable };
  readonly models: { registerProvider(id: string, provider: ModelProvider): Disposable };
  readonly commands: { register(id: string, handler: CommandHandler): Disposable };
  /** Per extension and tenant, persisted by the kernel. Values are JSON. */
  readonly storage: {
    get(key: string): Promise<JsonValue | undefined>;
    set(key: string, value: JsonValue): Promise<void>;
    delete(key: string): Promise<boolean>;
    keys(prefix?: string): Promise<string[]>;
  };
  /** `get` returns an opaque handle (`penny-secret:<name>`): put it in a request header and the host
   * substitutes the real value on the way out, for hosts in `permissions.network` only. */
  readonly secrets: { get(name: string): Promise<string> };
  readonly artifacts: { create(draft: ArtifactDraft): Promise<ArtifactRef> };
  readonly datasources: {
    query(datasource: string, query: string, params?: JsonValue[] | Record<string, JsonValue>): Promise<DatasourceResult>;
  };
  fetch(input: string | { toString(): string }, init?: PennyRequestInit): Promise<PennyResponse>;
  /** The tenant's settings for this extension as given at activation, over the defaults declared in
   * `contributes.configuration`. Values are deeply frozen; `undefined` for a key that has neither. */
  readonly configuration: { get(key: string): JsonValue | undefined };
  /** `url(id)`: the base URL (`http://127.0.0.1:<port>`) of a sidecar the manifest declares, for
   * `fetch`; the sidecar starts on the first request. Throws `NotFound` for an undeclared id. */
  readonly sidecars: { url(id: string): string };
  readonly log: Record<LogLevel, (message: string, data?: JsonValue) => void>;
}

/** What a bundle built with `--global-name=__pennyExtension` may export. */
export interface ExtensionModule {
  activate?(penny: PennyApi): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}

export const SECRET_HANDLE_PREFIX = 'penny-secret:';
