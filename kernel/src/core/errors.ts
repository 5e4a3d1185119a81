// Typed errors that features throw; the HTTP layer maps them once to problem details (RFC 9457).

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export abstract class KernelError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  abstract readonly title: string;
  /** Extra members copied into the problem document. */
  readonly extensions: Record<string, unknown> = {};
  /** Headers to set on the response (e.g. Retry-After). */
  readonly headers: Record<string, string> = {};
}

export class ValidationError extends KernelError {
  readonly status = 400;
  readonly code = 'validation';
  readonly title = 'Invalid request';
  constructor(
    detail: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

export class UnauthorizedError extends KernelError {
  readonly status = 401;
  readonly code = 'unauthorized';
  readonly title = 'Sign-in required';
}

export class ForbiddenError extends KernelError {
  readonly status = 403;
  readonly code = 'forbidden';
  readonly title = 'Not allowed';
}

export class CsrfError extends KernelError {
  readonly status = 403;
  readonly code = 'csrf';
  readonly title = 'Missing or wrong CSRF token';
}

export class NotFoundError extends KernelError {
  readonly status = 404;
  readonly code = 'not_found';
  readonly title = 'Not found';
}

export class ConflictError extends KernelError {
  readonly status = 409;
  readonly code = 'conflict';
  readonly title = 'Conflict';
}

/** Chat has no model to ask: the detail says how to configure one. */
export class NoProviderError extends KernelError {
  readonly status = 409;
  readonly code = 'no_provider';
  readonly title = 'No model provider';
}

export class GoneError extends KernelError {
  readonly status = 410;
  readonly code = 'gone';
  readonly title = 'No longer available';
}

export class PolicyViolationError extends KernelError {
  readonly status = 422;
  readonly code = 'policy_violation';
  readonly title = 'Refused by policy';
}

export class RateLimitedError extends KernelError {
  readonly status = 429;
  readonly code = 'rate_limited';
  readonly title = 'Too many requests';
  constructor(detail: string, retryAfterMs: number) {
    super(detail);
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    this.headers['retry-after'] = String(seconds);
    this.extensions.retryAfterSeconds = seconds;
  }
}

export class UnavailableError extends KernelError {
  readonly status = 503;
  readonly code = 'unavailable';
  readonly title = 'Service unavailable';
  constructor(detail: string, retryAfterMs?: number) {
    super(detail);
    if (retryAfterMs !== undefined) this.headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
}

export function problemType(code: string): string {
  return `urn:penny:problem:${code}`;
}

/** An extension failed while serving a call (crashed, threw, broke a limit or a permission). */
export class ExtensionFailedError extends KernelError {
  readonly status = 502;
  readonly code = 'extension_failed';
  readonly title = 'The extension failed';
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    Object.assign(this.extensions, extensions);
  }
}

export class ExtensionTimeoutError extends KernelError {
  readonly status = 504;
  readonly code = 'extension_timeout';
  readonly title = 'The extension took too long';
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    Object.assign(this.extensions, extensions);
  }
}
