// HTTP routes for personal access tokens.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { idParams, name, nullableTimestamp, object, responses, role, timestamp, uuid } from '../http/schemas.ts';
import { ForbiddenError } from '../core/errors.ts';
import type { Role } from '../rbac/permissions.ts';
import { TokensService } from './tokens.service.ts';

const tokenProps = {
  id: uuid,
  name: { type: 'string' },
  prefix: { type: 'string' },
  roles: { type: 'array', items: role },
  userId: uuid,
  expiresAt: nullableTimestamp,
  revokedAt: nullableTimestamp,
  lastUsedAt: nullableTimestamp,
  createdAt: timestamp,
};

@injectable()
export class TokensRoutes implements RouteContribution {
  constructor(@inject(TokensService) private readonly tokens: TokensService) {}

  register(app: FastifyInstance): void {
    app.post<{ Body: { name: string; roles?: Role[]; expiresInDays?: number | null } }>(
      '/v1/tokens',
      {
        config: { access: { permission: 'tokens.manage' } },
        schema: {
          tags: ['tokens'],
          summary: 'Create a personal access token for this tenant; the secret is shown only in this response',
          body: object(
            {
              name,
              roles: { type: 'array', items: role, minItems: 1, maxItems: 4, uniqueItems: true },
              expiresInDays: { type: ['integer', 'null'], minimum: 1, maximum: 366 },
            },
            ['name'],
          ),
          response: responses({ 201: object({ ...tokenProps, token: { type: 'string' } }) }),
        },
      },
      async (request, reply) => reply.code(201).send(await this.tokens.create(tenantOf(request), principalOf(request), request.body, request.ip)),
    );

    app.get<{ Querystring: { all?: boolean } }>(
      '/v1/tokens',
      {
        config: { access: { permission: 'tokens.manage' } },
        schema: {
          tags: ['tokens'],
          summary: 'Your tokens in this tenant (all members\' tokens with ?all=true, for admins)',
          querystring: object({ all: { type: 'boolean' } }, []),
          response: responses({ 200: { type: 'array', items: object(tokenProps) } }),
        },
      },
      async (request) => {
        const tenant = tenantOf(request);
        if (request.query.all && !tenant.permissions.has('members.manage')) throw new ForbiddenError('Only tenant admins may list every member\'s tokens.');
        return this.tokens.list(tenant, principalOf(request), request.query.all === true);
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/tokens/:id',
      {
        config: { access: { permission: 'tokens.manage' } },
        schema: { tags: ['tokens'], summary: 'Revoke a token (your own; admins may revoke any)', params: idParams, response: responses({ 204: { type: 'null' } }) },
      },
      async (request, reply) => {
        await this.tokens.revoke(tenantOf(request), principalOf(request), request.params.id, request.ip);
        return reply.code(204).send();
      },
    );
  }
}
