// What the built-in model providers share: typed settings with defaults, message content as text,
// tool-call arguments as objects, and failures turned into errors the kernel can act on. Bundled
// into each provider; this folder is not an extension of its own.
import type { ChatContentPart, JsonValue, PennyApi } from '@penny/manifests';

export function stringSetting(penny: PennyApi, key: string, fallback: string): string {
  const value = penny.configuration.get(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

export function booleanSetting(penny: PennyApi, key: string, fallback: boolean): boolean {
  const value = penny.configuration.get(key);
  return typeof value === 'boolean' ? value : fallback;
}

export function numberSetting(penny: PennyApi, key: string, fallback: number): number {
  const value = penny.configuration.get(key);
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** The text of a message; image parts are carried separately by providers that accept them. */
export function textOf(content: string | ChatContentPart[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter((part): part is Extract<ChatContentPart, { type: 'text' }> => part.type === 'text')
    .map((part) => part.text)
    .join('');
}

export function imagesOf(content: string | ChatContentPart[]): Array<Extract<ChatContentPart, { type: 'image' }>> {
  return typeof content === 'string' ? [] : content.filter((part): part is Extract<ChatContentPart, { type: 'image' }> => part.type === 'image');
}

/** APIs that take tool-call arguments as an object (Anthropic, Ollama) get `{}` for empty or broken
 * JSON: the kernel already reported bad arguments to the model when the call was made. */
export function argumentsObject(json: string): Record<string, JsonValue> {
  try {
    const value = JSON.parse(json || '{}') as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, JsonValue>) : {};
  } catch {
    return {};
  }
}

// Named like the SDKs' own error classes, so the orchestrator can tell from `errorName` alone
// whether trying again (or another provider) makes sense.
const NAME_BY_STATUS: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  408: 'RequestTimeoutError',
  409: 'ConflictError',
  413: 'RequestTooLargeError',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
  529: 'OverloadedError',
};

/** A failure answered by the model service itself. */
export class ProviderHttpError extends Error {
  constructor(
    service: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${service} answered HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.name = NAME_BY_STATUS[status] ?? (status >= 500 ? 'InternalServerError' : 'APIError');
  }
}

/** A failure to reach the model service at all. */
export class ProviderConnectionError extends Error {
  constructor(service: string, baseUrl: string, cause: unknown) {
    super(`could not reach ${service} at ${baseUrl}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'APIConnectionError';
  }
}

/** A refusal by the host (egress policy, a secret not granted or not set) keeps its Penny code
 * when it reaches the kernel; SDKs wrap it as a connection error, so look along the cause chain. */
export function pennyRefusal(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && current.name === code && /^(EgressDenied|PermissionDenied|NotFound|InvalidArguments)$/.test(code)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How an SDK error reads: an HTTP answer, a failure to connect, or neither (a bug, thrown as is). */
export type Classified = { status: number; detail: string } | 'connection' | undefined;

/**
 * What a provider throws for `error`: the abort itself when the kernel cancelled (the host turns
 * that into `finishReason: "cancelled"`), a Penny refusal as it came, an HTTP answer as
 * `ProviderHttpError`, a connection failure as `ProviderConnectionError`.
 */
export function providerFailure(error: unknown, signal: { aborted: boolean }, service: string, baseUrl: string, classify: (error: unknown) => Classified): unknown {
  if (signal.aborted) return error;
  const refusal = pennyRefusal(error);
  if (refusal) return refusal;
  const classified = classify(error);
  if (classified === 'connection') return new ProviderConnectionError(service, baseUrl, (error as { cause?: unknown })?.cause ?? error);
  if (classified) return new ProviderHttpError(service, classified.status, classified.detail);
  return error;
}
