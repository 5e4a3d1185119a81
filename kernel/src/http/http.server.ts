// The Fastify server: validation, problem details, security headers, CORS, authentication,
// access checks and rate limits, then every contributed route.
import { inject, injectable, multiInject } from 'inversify';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { describeFieldErrors, fieldErrors } from '../core/schema-errors.ts';
import addFormats from 'ajv-formats';
import { KernelConfig } from '../config/config.ts';
import {
  CsrfError,
  ForbiddenError,
  KernelError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  problemType,
  type ProblemDetails,
} from '../core/errors.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { RateLimiter } from '../ratelimit/rate-limiter.ts';
import { Authenticator, type Access } from './access.ts';
import { RouteContribution } from './route-contribution.ts';
import { HttpMetrics } from '../metrics/http-metrics.ts';

/** Fastify's own error codes, renamed into the problem codes clients see. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';
export const TENANT_HEADER = 'x-penny-tenant';

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/** The path of the first string (or key) holding a NUL character, if any. */
function findNul(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (!value || typeof value !== 'object' || depth > 32) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\0')) return `${path}.${key}`;
    const found = findNul(inner, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  /** The address the server listens on, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
}
export const HttpServer = Symbol('HttpServer');

@injectable()
export class KernelHttpServer implements HttpServer, LifecycleContribution {
  readonly order = 100;
  readonly app: FastifyInstance;
  private address = '';

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(Authenticator) private readonly authenticator: Authenticator,
    @inject(RateLimiter) private readonly rateLimiter: RateLimiter,
    @inject(HttpMetrics) private readonly metrics: HttpMetrics,
    @multiInject(RouteContribution) private readonly routes: RouteContribution[],
  ) {
    this.app = Fastify({
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
      bodyLimit: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' }),
      requestIdHeader: false,
      // Open answer streams must not keep a stopping kernel waiting.
      forceCloseConnections: true,
      // Signed content links carry their token in the path.
      routerOptions: { maxParamLength: 512 },
      ajv: { customOptions: { removeAdditional: false } },
    });
  }

  get url(): string {
    return this.address;
  }

  async start(): Promise<void> {
    await this.configure();
    await this.app.listen({ port: this.config.port, host: this.config.host });
    const addr = this.app.server.address();
    this.address = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : '';
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  private async configure(): Promise<void> {
    const app = this.app;
    const bodyAjv = makeAjv(false);
    const otherAjv = makeAjv(true);
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : otherAjv).compile(schema));
    app.setErrorHandler((error, request, reply) => this.sendError(error as Error, request, reply));
    app.setNotFoundHandler((request, reply) => {
      this.sendProblem(reply, { code: 'not_found', title: 'Not found', status: 404, detail: `No route ${request.method} ${request.url.split('?')[0]}` });
    });

    // JSON only: a text/plain body would otherwise reach validation as a bare string.
    app.removeContentTypeParser(['text/plain']);
    // PostgreSQL text cannot hold NUL; refuse it up front with a clear message instead of failing later.
    app.addHook('preValidation', async (request) => {
      for (const [part, value] of [['body', request.body], ['querystring', request.query], ['params', request.params]] as const) {
        const where = findNul(value, part);
        if (where) throw new ValidationError(`${where} contains a NUL character, which is not allowed`, [{ path: where, message: 'contains a NUL character' }]);
      }
    });

    app.decorateRequest('principal', null);
    app.decorateRequest('tenantContext', null);

    // Every route must say who may call it, so that forgetting is a start-up failure, not a hole.
    app.addHook('onRoute', (route) => {
      // Documentation pages and CORS pre-flights are open by nature.
      if (route.url.startsWith('/docs') || route.method === 'OPTIONS') {
        route.config = { ...(route.config ?? {}), access: { public: true }, rateLimited: false };
      }
      if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} declares no access`);
    });

    await app.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          frameAncestors: ["'none'"],
        },
      },
    });
    await app.register(cors, { origin: this.config.corsOrigins.length ? this.config.corsOrigins : false, credentials: true });
    await app.register(cookie);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'Penny API', version: '1', description: 'The Penny kernel HTTP API.' },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'A sign-in bearer token or a personal access token' },
            session: { type: 'apiKey', in: 'cookie', name: 'penny_session' },
          },
        },
        security: [{ bearer: [] }, { session: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    this.metrics.attach(app);
    app.addHook('onRequest', async (request) => {
      // Public routes (sign-in, probes, the workbench's files) never look at the caller: skip the lookup.
      const access = request.routeOptions.config?.access;
      if (access && 'public' in access) return;
      request.principal = await this.authenticator.authenticate(request);
    });
    app.addHook('preHandler', async (request, reply) => this.checkAccess(request, reply));

    for (const contribution of this.routes) await contribution.register(app);
  }

  private async checkAccess(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const access: Access | undefined = request.routeOptions.config?.access;
    if (!access) return; // 404 handler
    const limited = request.routeOptions.config?.rateLimited !== false;
    if ('public' in access) {
      if (limited) await this.limit(`ip:${request.ip}`, this.config.rateLimit.perAnonymousIp, reply);
      return;
    }
    const principal = request.principal;
    if (!principal) throw new UnauthorizedError('Sign in first: send the session cookie or an Authorization: Bearer token.');
    if (principal.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      if (request.headers[CSRF_HEADER] !== principal.csrfToken) {
        throw new CsrfError(`Cookie-authenticated ${request.method} requests must send the ${CSRF_HEADER} header returned at sign-in.`);
      }
    }
    if ('platform' in access) {
      if (!principal.isPlatformAdmin || principal.token) throw new ForbiddenError('Only a platform administrator signed in (not by a personal access token) may do this.');
      if (limited) await this.limit(`user:${principal.userId}`, this.config.rateLimit.perUser, reply);
      return;
    }
    if ('signedIn' in access) {
      if (limited) await this.limit(`user:${principal.userId}`, this.config.rateLimit.perUser, reply);
      return;
    }
    const header = request.headers[TENANT_HEADER];
    const tenant = await this.authenticator.resolveTenant(principal, Array.isArray(header) ? header[0] : header);
    request.tenantContext = tenant;
    if (limited) {
      await this.limit(`user:${tenant.tenantId}:${principal.userId}`, this.config.rateLimit.perUser, reply);
      await this.limit(`tenant:${tenant.tenantId}`, this.config.rateLimit.perTenant, reply);
    }
    if (!tenant.permissions.has(access.permission)) {
      throw new ForbiddenError(
        `Your role "${tenant.role}" in tenant "${tenant.slug}" lacks the permission "${access.permission}"${principal.token ? ' (or the token is limited to fewer roles)' : ''}.`,
      );
    }
  }

  private async limit(key: string, limit: number, reply: FastifyReply): Promise<void> {
    const { count, resetMs } = await this.rateLimiter.hit(key, this.config.rateLimit.windowMs);
    reply.header('ratelimit-limit', String(limit));
    reply.header('ratelimit-remaining', String(Math.max(0, limit - count)));
    if (count > limit) throw new RateLimitedError(`Rate limit of ${limit} requests per ${this.config.rateLimit.windowMs / 1000} s exceeded; retry later.`, resetMs);
  }

  private sendError(error: FastifyError | KernelError | Error, request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof KernelError) {
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
      this.sendProblem(reply, {
        code: error.code,
        title: error.title,
        status: error.status,
        detail: error.message,
        ...error.extensions,
        ...('errors' in error && Array.isArray(error.errors) && error.errors.length ? { errors: error.errors } : {}),
      });
      return;
    }
    const fe = error as FastifyError;
    if (fe.validation) {
      const errors = fieldErrors(fe.validation as ErrorObject[], fe.validationContext ?? 'body');
      this.sendProblem(reply, {
        code: 'validation',
        title: 'Invalid request',
        status: 400,
        detail: describeFieldErrors(errors),
        errors,
      });
      return;
    }
    const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
    if (status >= 400 && status < 500) {
      const detail =
        fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `The request body exceeds the limit of ${this.config.bodyLimitBytes} bytes.`
          : fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
            ? `The request body is not valid JSON: ${error.message}`
            : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? `Unsupported content type "${request.headers['content-type'] ?? ''}"; send application/json.`
              : error.message;
      const code = FASTIFY_CODES[fe.code ?? ''] ?? (status === 404 ? 'not_found' : 'bad_request');
      this.sendProblem(reply, { code, title: status === 413 ? 'Request body too large' : status === 415 ? 'Unsupported media type' : 'Bad request', status, detail });
      return;
    }
    request.log.error({ err: error }, 'unhandled error');
    this.sendProblem(reply, {
      code: 'internal',
      title: 'Internal error',
      status: 500,
      detail: `Something went wrong on our side; the error was logged with reference ${request.id}.`,
    });
  }

  private sendProblem(reply: FastifyReply, problem: { code: string; title: string; status: number; detail: string; [extension: string]: unknown }): void {
    const body: ProblemDetails = { type: problemType(problem.code), ...problem };
    reply.code(problem.status).type('application/problem+json').send(JSON.stringify(body));
  }
}
