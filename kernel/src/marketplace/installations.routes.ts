// HTTP routes of a tenant's installed extensions: list, install, update, roll back, enable,
// disable and uninstall.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import type { PermissionSet } from '@penny/marketplace';
import { tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { responses } from '../http/schemas.ts';
import { Installations, type InstallInput } from './installations.service.ts';
import * as s from './marketplace.schemas.ts';
import { actorOf } from './marketplace.types.ts';

const tags = ['extensions'];
type Params = { extensionId: string };
type ChangeBody = { version?: string; acceptPermissions?: Partial<PermissionSet> };

@injectable()
export class InstallationRoutes implements RouteContribution {
  constructor(@inject(Installations) private readonly installations: Installations) {}

  register(app: FastifyInstance): void {
    const one = responses({ 200: s.installation });

    app.get(
      '/v1/extensions',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: { tags, summary: 'Extensions installed in this tenant, with status, granted permissions and available updates', response: responses({ 200: { type: 'array', items: s.installation } }) },
      },
      async (request) => this.installations.list(tenantOf(request).tenantId),
    );

    app.get<{ Params: Params }>(
      '/v1/extensions/:extensionId',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: { tags, summary: 'One installed extension', params: s.extensionIdParams, response: one },
      },
      async (request) => this.installations.get(tenantOf(request).tenantId, request.params.extensionId),
    );

    app.post<{ Body: InstallInput }>(
      '/v1/extensions/install',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags,
          summary: 'Install a catalog version (the newest by default); acceptPermissions must list exactly what it declares',
          body: s.installBody,
          response: responses({ 201: s.installation }),
        },
      },
      async (request, reply) => reply.code(201).send(await this.installations.install(tenantOf(request).tenantId, actorOf(request), request.body)),
    );

    app.post<{ Params: Params; Body: ChangeBody | undefined }>(
      '/v1/extensions/:extensionId/update',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags,
          summary: 'Move to a newer version (the newest by default); asking for more permissions needs a new acceptance',
          params: s.extensionIdParams,
          body: s.updateBody,
          response: one,
        },
      },
      async (request) => this.installations.update(tenantOf(request).tenantId, actorOf(request), request.params.extensionId, request.body ?? {}),
    );

    app.post<{ Params: Params; Body: ChangeBody & { version: string } }>(
      '/v1/extensions/:extensionId/rollback',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: { tags, summary: 'Go back to an older version, explicitly', params: s.extensionIdParams, body: s.rollbackBody, response: one },
      },
      async (request) => this.installations.rollback(tenantOf(request).tenantId, actorOf(request), request.params.extensionId, request.body),
    );

    app.post<{ Params: Params }>(
      '/v1/extensions/:extensionId/enable',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: { tags, summary: 'Turn an installed extension on (trust and policy are checked again)', params: s.extensionIdParams, response: one },
      },
      async (request) => this.installations.enable(tenantOf(request).tenantId, actorOf(request), request.params.extensionId),
    );

    app.post<{ Params: Params; Body: { reason?: string } | undefined }>(
      '/v1/extensions/:extensionId/disable',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: { tags, summary: 'Turn an installed extension off, keeping its installation', params: s.extensionIdParams, body: s.disableBody, response: one },
      },
      async (request) => this.installations.disable(tenantOf(request).tenantId, actorOf(request), request.params.extensionId, request.body?.reason),
    );

    app.delete<{ Params: Params }>(
      '/v1/extensions/:extensionId',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: { tags, summary: 'Uninstall an extension from this tenant', params: s.extensionIdParams, response: responses({ 204: { type: 'null' } }) },
      },
      async (request, reply) => {
        await this.installations.uninstall(tenantOf(request).tenantId, actorOf(request), request.params.extensionId);
        return reply.code(204).send();
      },
    );
  }
}
