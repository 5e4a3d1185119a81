// What crosses the isolate boundary inside the host process: the ops extension code may ask of
// the host, and the kinds of calls the host makes into the isolate. Everything is copied
// (structured clone), never shared, so nothing the isolate touches is a host object.
import type { ChatRequest, EmbedRequest, JsonValue } from '@penny/manifests';

export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: IsolateError };

export interface IsolateError {
  /** A Penny error name (`EgressDenied`, `NotFound`...) when the failure has one. */
  code?: string;
  name: string;
  message: string;
}

/** Given to the prelude once, before extension code runs. */
export interface IsolateConfig {
  extensionId: string;
  contributions: { tools: string[]; modelProviders: string[]; commands: string[] };
  /** The tenant's settings over the manifest's defaults, for `penny.configuration`. */
  configuration: Record<string, JsonValue>;
  /** Sidecar id → base URL on loopback, for `penny.sidecars.url`. */
  sidecars?: Record<string, string>;
}

/** Host → isolate calls, answered with an `Envelope`. `callKey` identifies the call for `abort`. */
export type DispatchKind = 'activate' | 'deactivate' | 'tool' | 'command' | 'chat' | 'embed' | 'abort';

export interface ToolDispatch {
  callKey: number;
  name: string;
  args: Record<string, JsonValue>;
  callId: string;
  userId: string;
  conversationId?: string;
}
export interface CommandDispatch {
  callKey: number;
  id: string;
  args: JsonValue[];
}
export interface ChatDispatch {
  callKey: number;
  requestId: string;
  providerId: string;
  request: ChatRequest;
}
export interface EmbedDispatch {
  callKey: number;
  providerId: string;
  request: EmbedRequest;
}

/** What `chat` resolves to inside the isolate; `chunks` lets the host check it saw them all. */
export interface ChatOutcome {
  finishReason?: string;
  usage?: { inputTokens: number; outputTokens: number };
  chunks: number;
}

export interface ActivationOutcome {
  tools: string[];
  modelProviders: string[];
  commands: string[];
}

/** Isolate → host requests (answered with an `Envelope`). */
export type CallOp =
  | 'storage.get'
  | 'storage.set'
  | 'storage.delete'
  | 'storage.keys'
  | 'secrets.get'
  | 'artifacts.create'
  | 'datasources.query'
  | 'fetch.start'
  | 'fetch.read'
  | 'timer.wait';

/** Isolate → host fire-and-forget messages. */
export type SendOp = 'log' | 'chat.chunk' | 'fetch.cancel' | 'timer.clear';

export interface FetchStart {
  id: number;
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: string | Uint8Array;
  redirect: 'follow' | 'error' | 'manual';
}

export interface FetchHead {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  url: string;
  redirected: boolean;
  hasBody: boolean;
}

export interface FetchRead {
  done: boolean;
  chunk?: Uint8Array;
}
