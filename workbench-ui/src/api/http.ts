// The one HTTP client of the workbench: same-origin fetch with the session cookie, the CSRF token on
// writes, the current tenant in X-Penny-Tenant, and problem+json errors turned into ApiError.

export interface ProblemDetails {
  type?: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
  }
  get status(): number {
    return this.problem.status;
  }
  get code(): string {
    return this.problem.code ?? '';
  }
  /** Field-level messages, keyed by the path the kernel reports (e.g. `body.arguments.columns`). */
  get fieldErrors(): { path: string; message: string }[] {
    return this.problem.errors ?? [];
  }
}

export interface ApiContext {
  csrfToken(): string | null;
  tenant(): string | null;
  /** Called when a request that needed a session got 401: the session ended elsewhere. */
  onUnauthorized(error: ApiError): void;
}

let context: ApiContext = { csrfToken: () => null, tenant: () => null, onUnauthorized: () => undefined };

export function configureApi(next: ApiContext): void {
  context = next;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Send X-Penny-Tenant (default true); sign-in and invitation routes have no tenant. */
  tenant?: boolean;
  /** A 401 is an expected answer (e.g. probing the session), not an expired session. */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (!SAFE_METHODS.has(method)) {
    const csrf = context.csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const tenant = options.tenant === false ? null : context.tenant();
  if (tenant) headers['x-penny-tenant'] = tenant;
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError({ title: 'Network error', status: 0, code: 'network', detail: '' });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  let data: unknown = text;
  if (isJson && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const problem: ProblemDetails =
      data && typeof data === 'object' && 'status' in data
        ? (data as ProblemDetails)
        : { title: response.statusText || 'Error', status: response.status, detail: typeof data === 'string' ? data.slice(0, 300) : '' };
    const error = new ApiError(problem);
    if (response.status === 401 && !options.expectUnauthorized) context.onUnauthorized(error);
    throw error;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body: unknown = {}, options?: RequestOptions) => request<T>('POST', path, body, options),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', path, body, options),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, undefined, options),
};
