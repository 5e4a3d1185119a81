// HTTP routes for what extensions contribute: the contribution registry, direct tool and command
// invocation, extension secrets (set by tenant admins, never read back) and host statistics.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import type { JsonValue } from '@penny/manifests';
import { Ajv } from 'ajv';
import { describeFieldErrors, fieldErrors } from '../core/schema-errors.ts';
import addFormats from 'ajv-formats';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { EventBus } from '../bus/event-bus.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { Database } from '../database/database.service.ts';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object, responses, timestamp } from '../http/schemas.ts';
import { ContributionRegistry } from './contributions.ts';
import { ExtensionHosts } from './extension-hosts.ts';
import { secretContext } from './host-kernel-api.ts';
import { InstalledExtensions } from './installed-extensions.ts';
import { ProviderEnvironment } from './provider-environment.ts';
import { SecretBox } from './secret-box.ts';
import { ToolsService } from './tools.service.ts';

const extensionIdSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}\\.[a-z0-9][a-z0-9-]{0,62}$' };
const secretName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' };
const anyList = { type: 'array', items: { type: 'object', additionalProperties: true } };

@injectable()
export class ExtensionsRoutes implements RouteContribution {
  constructor(
    @inject(ContributionRegistry) private readonly registry: ContributionRegistry,
    @inject(ToolsService) private readonly tools: ToolsService,
    @inject(ExtensionHosts) private readonly hosts: ExtensionHosts,
    @inject(InstalledExtensions) private readonly installed: InstalledExtensions,
    @inject(SecretBox) private readonly box: SecretBox,
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(ProviderEnvironment) private readonly environment: ProviderEnvironment,
    @inject(EventBus) private readonly bus: EventBus,
  ) {
    (addFormats as unknown as (a: Ajv) => void)(this.ajv);
  }

  private readonly ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });

  register(app: FastifyInstance): void {
    app.get(
      '/v1/contributions',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: {
          tags: ['extensions'],
          summary: "Everything the tenant's enabled extensions contribute, from their manifests",
          response: responses({
            200: object({
              tools: anyList,
              modelProviders: anyList,
              artifactRenderers: anyList,
              widgets: anyList,
              dashboards: anyList,
              commands: anyList,
              themes: anyList,
              configuration: anyList,
            }),
          }),
        },
      },
      async (request) => this.registry.forTenant(tenantOf(request).tenantId),
    );

    app.get(
      '/v1/tools',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: { tags: ['tools'], summary: 'The tools the caller may invoke in this tenant', response: responses({ 200: anyList }) },
      },
      async (request) => this.tools.list(tenantOf(request)),
    );

    app.post<{ Params: { name: string }; Body: { arguments?: Record<string, JsonValue> } }>(
      '/v1/tools/:name/invoke',
      {
        config: { access: { permission: 'tools.invoke' } },
        schema: {
          tags: ['tools'],
          summary: "Invoke a contributed tool; arguments are checked against the tool's JSON Schema",
          params: object({ name: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' } }),
          body: object({ arguments: { type: 'object', additionalProperties: true } }, []),
          response: responses({
            200: object({
              callId: { type: 'string' },
              tool: { type: 'string' },
              extensionId: { type: 'string' },
              durationMs: { type: 'number' },
              content: {},
              artifacts: anyList,
            }),
          }),
        },
      },
      async (request) => this.tools.invoke(tenantOf(request), principalOf(request), request.params.name, request.body.arguments ?? {}, request.ip),
    );

    app.post<{ Params: { id: string }; Body: { args?: JsonValue[] } }>(
      '/v1/commands/:id/run',
      {
        config: { access: { permission: 'tools.invoke' } },
        schema: {
          tags: ['tools'],
          summary: 'Run a command contributed by an extension',
          params: object({ id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } }),
          body: object({ args: { type: 'array', maxItems: 32 } }, []),
          response: responses({ 200: object({ result: {} }) }),
        },
      },
      async (request) => {
        const tenant = tenantOf(request);
        const { installed } = await this.registry.command(tenant.tenantId, request.params.id);
        const result = await this.hosts.runCommand(tenant.tenantId, installed, request.params.id, request.body.args ?? [], { userId: principalOf(request).userId });
        return { result: result ?? null };
      },
    );

    app.get<{ Params: { extensionId: string } }>(
      '/v1/extensions/:extensionId/secrets',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags: ['extensions'],
          summary: 'Names of the secrets set for an extension (values are never returned)',
          params: object({ extensionId: extensionIdSchema }),
          response: responses({ 200: { type: 'array', items: object({ name: { type: 'string' }, updatedAt: timestamp }) } }),
        },
      },
      async (request) => {
        const tenant = tenantOf(request);
        const rows = await this.db.tenant(tenant.tenantId, (em) =>
          em.execute<{ name: string; updated_at: Date }[]>(`SELECT name, updated_at FROM extension_secret WHERE extension_id = ? ORDER BY name`, [request.params.extensionId]),
        );
        return rows.map((r) => ({ name: r.name, updatedAt: new Date(r.updated_at).toISOString() }));
      },
    );

    app.put<{ Params: { extensionId: string; name: string }; Body: { value: string } }>(
      '/v1/extensions/:extensionId/secrets/:name',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags: ['extensions'],
          summary: 'Set a secret the extension declared (e.g. an API key); stored encrypted, added by the host to allowed requests only',
          params: object({ extensionId: extensionIdSchema, name: secretName }),
          body: object({ value: { type: 'string', minLength: 1, maxLength: 16384 } }),
          response: responses({ 204: { type: 'null' } }),
        },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        const actor = principalOf(request);
        const { extensionId, name } = request.params;
        const ext = await this.installed.get(tenant.tenantId, extensionId);
        if (!(ext.manifest.permissions?.secrets ?? []).includes(name)) throw new NotFoundError(`${extensionId} declares no secret named "${name}".`);
        const sealed = this.box.seal(request.body.value, secretContext(tenant.tenantId, extensionId, name));
        await this.db.tenant(tenant.tenantId, async (em) => {
          await em.execute(
            `INSERT INTO extension_secret (tenant_id, extension_id, name, ciphertext, updated_by) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (tenant_id, extension_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, updated_by = EXCLUDED.updated_by, updated_at = now()`,
            [tenant.tenantId, extensionId, name, sealed, actor.userId],
          );
          await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'extension.secretSet', target: `extension:${extensionId}`, payload: { name }, ip: request.ip });
        });
        // A provider's readiness depends on its secrets: every kernel re-reads them.
        this.bus.emit('extension.configured', { tenantId: tenant.tenantId, extensionId });
        return reply.code(204).send();
      },
    );

    app.delete<{ Params: { extensionId: string; name: string } }>(
      '/v1/extensions/:extensionId/secrets/:name',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: { tags: ['extensions'], summary: 'Delete a secret', params: object({ extensionId: extensionIdSchema, name: secretName }), response: responses({ 204: { type: 'null' } }) },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        const actor = principalOf(request);
        const { extensionId, name } = request.params;
        await this.db.tenant(tenant.tenantId, async (em) => {
          const rows = await em.execute(`DELETE FROM extension_secret WHERE extension_id = ? AND name = ? RETURNING name`, [extensionId, name]);
          if (!rows.length) throw new NotFoundError(`No secret "${name}" is set for ${extensionId}.`);
          await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'extension.secretDeleted', target: `extension:${extensionId}`, payload: { name }, ip: request.ip });
        });
        this.bus.emit('extension.configured', { tenantId: tenant.tenantId, extensionId });
        return reply.code(204).send();
      },
    );

    app.get<{ Params: { extensionId: string } }>(
      '/v1/extensions/:extensionId/configuration',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: {
          tags: ['extensions'],
          summary: "An extension's settings in this tenant, its JSON Schema, and the values in effect (with the operator's defaults)",
          params: object({ extensionId: extensionIdSchema }),
          response: responses({ 200: object({ values: { type: 'object', additionalProperties: true }, effective: { type: 'object', additionalProperties: true }, schema: { type: ['object', 'null'], additionalProperties: true } }) }),
        },
      },
      async (request) => {
        const ext = await this.installed.get(tenantOf(request).tenantId, request.params.extensionId);
        return { values: ext.configuration, effective: this.environment.configuration(ext), schema: ext.manifest.contributes?.configuration ?? null };
      },
    );

    app.put<{ Params: { extensionId: string }; Body: { values: Record<string, JsonValue> } }>(
      '/v1/extensions/:extensionId/configuration',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags: ['extensions'],
          summary: "Set an extension's settings for this tenant (checked against its schema; a baseUrl setting also allows egress to that host)",
          params: object({ extensionId: extensionIdSchema }),
          body: object({ values: { type: 'object', additionalProperties: true, maxProperties: 100 } }),
          response: responses({ 204: { type: 'null' } }),
        },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        const actor = principalOf(request);
        const { extensionId } = request.params;
        const ext = await this.installed.get(tenant.tenantId, extensionId);
        const schema = ext.manifest.contributes?.configuration;
        if (!schema) throw new ValidationError(`${extensionId} declares no settings.`);
        const validate = this.ajv.compile({ ...schema, additionalProperties: false });
        if (!validate(request.body.values)) {
          const errors = fieldErrors(validate.errors, 'values', { unknownMember: (setting) => `has an unknown setting "${setting}"` });
          throw new ValidationError(describeFieldErrors(errors), errors);
        }
        await this.db.tenant(tenant.tenantId, async (em) => {
          await em.execute(`UPDATE extension_installation SET configuration = ?::jsonb, updated_at = now() WHERE extension_id = ?`, [JSON.stringify(request.body.values), extensionId]);
          await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'extension.configured', target: `extension:${extensionId}`, payload: request.body.values, ip: request.ip });
        });
        this.installed.invalidate(tenant.tenantId);
        this.bus.emit('extension.configured', { tenantId: tenant.tenantId, extensionId });
        return reply.code(204).send();
      },
    );

    app.get(
      '/v1/extension-host',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags: ['extensions'],
          summary: "The tenant's extension host: process, memory and isolates (null when none runs)",
          response: responses({ 200: { type: ['object', 'null'], additionalProperties: true } }),
        },
      },
      async (request) => {
        const host = this.hosts.running(tenantOf(request).tenantId);
        if (!host?.alive) return null;
        return { pid: host.pid, ...(await host.stats()) };
      },
    );
  }
}
