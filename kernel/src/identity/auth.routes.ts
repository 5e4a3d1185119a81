// Sign-in over the API: a session cookie for the workbench and a short-lived bearer token for
// API clients, sign-out, and the current session.
import { inject, injectable } from 'inversify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KernelConfig } from '../config/config.ts';
import { principalOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { email, object, responses, role, slug, timestamp, uuid } from '../http/schemas.ts';
import { AuthService, SESSION_COOKIE } from './auth.service.ts';

const userSchema = object({ id: uuid, email: { type: 'string' }, displayName: { type: 'string' }, isPlatformAdmin: { type: 'boolean' } });
const membershipSchema = object({ tenantId: uuid, slug, name: { type: 'string' }, role });

@injectable()
export class AuthRoutes implements RouteContribution {
  constructor(
    @inject(AuthService) private readonly auth: AuthService,
    @inject(KernelConfig) private readonly config: KernelConfig,
  ) {}

  private secure(request: FastifyRequest): boolean {
    return this.config.cookieSecure === 'auto' ? request.protocol === 'https' : this.config.cookieSecure;
  }

  register(app: FastifyInstance): void {
    app.post<{ Body: { email: string; password: string } }>(
      '/v1/auth/login',
      {
        config: { access: { public: true } },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with email and password',
          description: 'Sets the HttpOnly session cookie and returns a short-lived bearer token for API clients. Cookie-authenticated writes must send `x-csrf-token`.',
          security: [],
          body: object({ email, password: { type: 'string', minLength: 1, maxLength: 1024 } }),
          response: responses({
            200: object({ user: userSchema, token: { type: 'string' }, tokenExpiresAt: timestamp, csrfToken: { type: 'string' }, tenants: { type: 'array', items: membershipSchema } }),
          }),
        },
      },
      async (request, reply) => {
        const result = await this.auth.signIn(request.body.email, request.body.password, { ip: request.ip, userAgent: request.headers['user-agent'] });
        reply.setCookie(SESSION_COOKIE, result.sessionSecret, {
          httpOnly: true,
          sameSite: 'lax',
          secure: this.secure(request),
          path: '/',
          expires: result.sessionExpiresAt,
        });
        return {
          user: result.user,
          token: result.token,
          tokenExpiresAt: result.tokenExpiresAt.toISOString(),
          csrfToken: result.csrfToken,
          tenants: result.tenants,
        };
      },
    );

    app.post(
      '/v1/auth/logout',
      {
        config: { access: { signedIn: true } },
        schema: { tags: ['auth'], summary: 'Sign out: ends this session or bearer token', response: responses({ 204: { type: 'null' } }) },
      },
      async (request: FastifyRequest, reply: FastifyReply) => {
        await this.auth.signOut(principalOf(request), request.ip);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
    );

    app.get(
      '/v1/auth/session',
      {
        config: { access: { signedIn: true } },
        schema: {
          tags: ['auth'],
          summary: 'Who is signed in, their tenants, and the CSRF token for cookie sessions',
          response: responses({
            200: object(
              { user: userSchema, via: { type: 'string' }, csrfToken: { type: 'string' }, tenants: { type: 'array', items: membershipSchema } },
              ['user', 'via', 'tenants'],
            ),
          }),
        },
      },
      async (request: FastifyRequest) => {
        const p = principalOf(request);
        const tenants = await this.auth.membershipsOf(p.userId);
        return {
          user: { id: p.userId, email: p.email, displayName: p.displayName, isPlatformAdmin: p.isPlatformAdmin },
          via: p.via,
          ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}),
          tenants: p.token ? tenants.filter((t) => t.tenantId === p.token!.tenantId) : tenants,
        };
      },
    );
  }
}
