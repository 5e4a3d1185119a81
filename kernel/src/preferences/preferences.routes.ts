// HTTP routes for the caller's own preferences in the request's tenant: GET/PUT/DELETE
// /v1/me/preferences/:key, and the list of them. Any member may keep preferences; nobody can reach
// another user's.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import type { JsonValue } from '@penny/manifests';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object, responses, timestamp } from '../http/schemas.ts';
import { PREFERENCE_KEY_PATTERN, PreferencesService } from './preferences.service.ts';

const keyParams = object({ key: { type: 'string', pattern: PREFERENCE_KEY_PATTERN } });
const anyJson = { description: 'any JSON value' };
const preference = object({ key: { type: 'string' }, value: anyJson, updatedAt: timestamp });
// Every tenant member holds tenant.read: a preference needs a signed-in user and a tenant, nothing more.
const member = { access: { permission: 'tenant.read' } } as const;

@injectable()
export class PreferencesRoutes implements RouteContribution {
  constructor(@inject(PreferencesService) private readonly preferences: PreferencesService) {}

  register(app: FastifyInstance): void {
    app.get(
      '/v1/me/preferences',
      {
        config: member,
        schema: {
          tags: ['preferences'],
          summary: 'Your preferences in this tenant',
          response: responses({ 200: { type: 'array', items: preference } }),
        },
      },
      async (request) => this.preferences.list(tenantOf(request), principalOf(request)),
    );

    app.get<{ Params: { key: string } }>(
      '/v1/me/preferences/:key',
      {
        config: member,
        schema: {
          tags: ['preferences'],
          summary: 'One of your preferences in this tenant',
          params: keyParams,
          response: responses({ 200: preference }),
        },
      },
      async (request) => this.preferences.get(tenantOf(request), principalOf(request), request.params.key),
    );

    app.put<{ Params: { key: string }; Body: { value: JsonValue } }>(
      '/v1/me/preferences/:key',
      {
        config: member,
        schema: {
          tags: ['preferences'],
          summary: 'Save one of your preferences in this tenant (at most 32 KiB of JSON; dashboard.layout.* keys hold a grid layout)',
          params: keyParams,
          body: { type: 'object', properties: { value: anyJson }, required: ['value'], additionalProperties: false },
          response: responses({ 200: preference }),
        },
      },
      async (request) => this.preferences.set(tenantOf(request), principalOf(request), request.params.key, request.body.value),
    );

    app.delete<{ Params: { key: string } }>(
      '/v1/me/preferences/:key',
      {
        config: member,
        schema: {
          tags: ['preferences'],
          summary: 'Forget one of your preferences in this tenant',
          params: keyParams,
          response: responses({ 204: { type: 'null' } }),
        },
      },
      async (request, reply) => {
        await this.preferences.delete(tenantOf(request), principalOf(request), request.params.key);
        return reply.code(204).send();
      },
    );
  }
}
