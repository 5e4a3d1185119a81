// HTTP routes for tenant settings (admins change them), the tenant theme every member's workbench
// applies, and workspace settings.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { idParams, object, responses, timestamp, uuid } from '../http/schemas.ts';
import {
  LANGUAGES,
  tenantSettingsPatchSchema,
  tenantSettingsSchema,
  themeSchema,
  workspacePatchSchema,
  workspaceSettingsSchema,
  type TenantSettingsPatch,
  type WorkspacePatch,
} from './tenant-settings.schema.ts';
import { TenantSettings } from './tenant-settings.service.ts';

const themeResponse = { ...themeSchema, properties: { ...(themeSchema.properties as object), language: { type: 'string', enum: LANGUAGES } } };

@injectable()
export class TenantSettingsRoutes implements RouteContribution {
  constructor(@inject(TenantSettings) private readonly settings: TenantSettings) {}

  register(app: FastifyInstance): void {
    app.get(
      '/v1/tenant/settings',
      {
        config: { access: { permission: 'tenant.read' } },
        schema: { tags: ['tenants'], summary: "The tenant's settings: default model, model policy, language, system prompts, theme, public links", response: responses({ 200: tenantSettingsSchema }) },
      },
      async (request) => this.settings.get(tenantOf(request)),
    );

    app.patch<{ Body: TenantSettingsPatch }>(
      '/v1/tenant/settings',
      {
        config: { access: { permission: 'tenant.update' } },
        schema: {
          tags: ['tenants'],
          summary: 'Change tenant settings (JSON merge patch: members given replace, null removes; theme and systemPrompts merge)',
          body: tenantSettingsPatchSchema,
          response: responses({ 200: tenantSettingsSchema }),
        },
      },
      async (request) => this.settings.update(tenantOf(request), principalOf(request), request.body, request.ip),
    );

    app.get(
      '/v1/tenant/theme',
      {
        config: { access: { permission: 'tenant.read' } },
        schema: { tags: ['tenants'], summary: "The tenant's theme (app name, logo, colors, fonts) and language, for every member's workbench", response: responses({ 200: themeResponse }) },
      },
      async (request) => this.settings.theme(tenantOf(request)),
    );

    app.get<{ Params: { id: string } }>(
      '/v1/workspaces/:id/settings',
      {
        config: { access: { permission: 'workspaces.read' } },
        schema: { tags: ['workspaces'], summary: "A workspace's system prompts and default model", params: idParams, response: responses({ 200: workspaceSettingsSchema }) },
      },
      async (request) => this.settings.workspace(tenantOf(request), request.params.id),
    );

    app.patch<{ Params: { id: string }; Body: WorkspacePatch }>(
      '/v1/workspaces/:id',
      {
        config: { access: { permission: 'workspaces.write' } },
        schema: {
          tags: ['workspaces'],
          summary: "Rename a workspace or change its system prompts and default model (null removes)",
          params: idParams,
          body: workspacePatchSchema,
          response: responses({
            200: object({ id: uuid, name: { type: 'string' }, description: { type: 'string' }, createdAt: timestamp, settings: workspaceSettingsSchema }),
          }),
        },
      },
      async (request) => this.settings.updateWorkspace(tenantOf(request), principalOf(request), request.params.id, request.body, request.ip),
    );
  }
}
