// HTTP routes for tenants, members, invitations and workspaces.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { email, idParams, name, object, responses, role, slug, timestamp, uuid } from '../http/schemas.ts';
import type { Role } from '../rbac/permissions.ts';
import { InvitationsService } from './invitations.service.ts';
import { TenantsService } from './tenants.service.ts';
import { WorkspacesService } from './workspaces.service.ts';

const tenantSchema = object({ id: uuid, slug, name: { type: 'string' }, createdAt: timestamp });
const memberSchema = object({ userId: uuid, email: { type: 'string' }, displayName: { type: 'string' }, role, joinedAt: timestamp });
const invitationSchema = object({
  id: uuid,
  email: { type: 'string' },
  role,
  status: { type: 'string', enum: ['pending', 'accepted', 'revoked', 'expired'] },
  expiresAt: timestamp,
  createdAt: timestamp,
});
const workspaceSchema = object({ id: uuid, name: { type: 'string' }, description: { type: 'string' }, createdAt: timestamp });
const userIdParams = object({ userId: uuid });

@injectable()
export class TenancyRoutes implements RouteContribution {
  constructor(
    @inject(TenantsService) private readonly tenants: TenantsService,
    @inject(InvitationsService) private readonly invitations: InvitationsService,
    @inject(WorkspacesService) private readonly workspaces: WorkspacesService,
  ) {}

  register(app: FastifyInstance): void {
    app.post<{ Body: { slug: string; name: string } }>(
      '/v1/tenants',
      {
        config: { access: { platform: true } },
        schema: {
          tags: ['tenants'],
          summary: 'Create a tenant (platform administrators); the creator becomes its first admin',
          body: object({ slug, name }),
          response: responses({ 201: tenantSchema }),
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const tenant = await this.tenants.create({ ...request.body, adminUserId: p.userId }, { id: p.userId, label: p.email, ip: request.ip });
        return reply.code(201).send(tenant);
      },
    );

    app.get(
      '/v1/tenants',
      {
        config: { access: { platform: true } },
        schema: { tags: ['tenants'], summary: 'All tenants (platform administrators)', response: responses({ 200: { type: 'array', items: tenantSchema } }) },
      },
      async () => this.tenants.listAll(),
    );

    app.get(
      '/v1/tenant',
      {
        config: { access: { permission: 'tenant.read' } },
        schema: { tags: ['tenants'], summary: 'The tenant this request acts in', response: responses({ 200: tenantSchema }) },
      },
      async (request) => this.tenants.current(tenantOf(request)),
    );

    app.get(
      '/v1/members',
      {
        config: { access: { permission: 'members.read' } },
        schema: { tags: ['members'], summary: 'Members of the tenant and their roles', response: responses({ 200: { type: 'array', items: memberSchema } }) },
      },
      async (request) => this.tenants.listMembers(tenantOf(request)),
    );

    app.patch<{ Params: { userId: string }; Body: { role: Role } }>(
      '/v1/members/:userId',
      {
        config: { access: { permission: 'members.manage' } },
        schema: { tags: ['members'], summary: "Change a member's role", params: userIdParams, body: object({ role }), response: responses({ 200: memberSchema }) },
      },
      async (request) => this.tenants.changeRole(tenantOf(request), principalOf(request), request.params.userId, request.body.role, request.ip),
    );

    app.delete<{ Params: { userId: string } }>(
      '/v1/members/:userId',
      {
        config: { access: { permission: 'members.manage' } },
        schema: { tags: ['members'], summary: 'Remove a member (their tokens for this tenant are revoked)', params: userIdParams, response: responses({ 204: { type: 'null' } }) },
      },
      async (request, reply) => {
        await this.tenants.removeMember(tenantOf(request), principalOf(request), request.params.userId, request.ip);
        return reply.code(204).send();
      },
    );

    app.post<{ Body: { email: string; role: Role } }>(
      '/v1/invitations',
      {
        config: { access: { permission: 'members.invite' } },
        schema: {
          tags: ['members'],
          summary: 'Invite someone by email; returns the invitation link (also mailed when SMTP is configured)',
          body: object({ email, role }),
          response: responses({
            201: object({ ...invitationSchema.properties as Record<string, object>, token: { type: 'string' }, link: { type: 'string' }, emailed: { type: 'boolean' } }),
          }),
        },
      },
      async (request, reply) => reply.code(201).send(await this.invitations.invite(tenantOf(request), principalOf(request), request.body, request.ip)),
    );

    app.get(
      '/v1/invitations',
      {
        config: { access: { permission: 'members.invite' } },
        schema: { tags: ['members'], summary: 'Invitations of this tenant', response: responses({ 200: { type: 'array', items: invitationSchema } }) },
      },
      async (request) => this.invitations.list(tenantOf(request)),
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/invitations/:id',
      {
        config: { access: { permission: 'members.invite' } },
        schema: { tags: ['members'], summary: 'Revoke a pending invitation', params: idParams, response: responses({ 204: { type: 'null' } }) },
      },
      async (request, reply) => {
        await this.invitations.revoke(tenantOf(request), principalOf(request), request.params.id, request.ip);
        return reply.code(204).send();
      },
    );

    const tokenBody = { token: { type: 'string', minLength: 10, maxLength: 200 } };
    app.post<{ Body: { token: string } }>(
      '/v1/invitations/lookup',
      {
        config: { access: { public: true } },
        schema: {
          tags: ['members'],
          summary: 'What an invitation token is for (tenant, email, role)',
          security: [],
          body: object(tokenBody),
          response: responses({
            200: object({ email: { type: 'string' }, role, tenant: object({ slug, name: { type: 'string' } }), accountExists: { type: 'boolean' }, expiresAt: timestamp }),
          }),
        },
      },
      async (request) => this.invitations.lookup(request.body.token),
    );

    app.post<{ Body: { token: string; password: string; displayName?: string } }>(
      '/v1/invitations/accept',
      {
        config: { access: { public: true } },
        schema: {
          tags: ['members'],
          summary: 'Accept an invitation: set a password (new account) or give the existing one',
          security: [],
          body: object({ ...tokenBody, password: { type: 'string', minLength: 1, maxLength: 1024 }, displayName: name }, ['token', 'password']),
          response: responses({ 201: object({ userId: uuid, tenantId: uuid, slug, role, created: { type: 'boolean' } }) }),
        },
      },
      async (request, reply) => reply.code(201).send(await this.invitations.accept(request.body, request.ip)),
    );

    app.get(
      '/v1/workspaces',
      {
        config: { access: { permission: 'workspaces.read' } },
        schema: { tags: ['workspaces'], summary: 'Workspaces of the tenant', response: responses({ 200: { type: 'array', items: workspaceSchema } }) },
      },
      async (request) => this.workspaces.list(tenantOf(request)),
    );

    app.get<{ Params: { id: string } }>(
      '/v1/workspaces/:id',
      {
        config: { access: { permission: 'workspaces.read' } },
        schema: { tags: ['workspaces'], summary: 'One workspace', params: idParams, response: responses({ 200: workspaceSchema }) },
      },
      async (request) => this.workspaces.get(tenantOf(request), request.params.id),
    );

    app.post<{ Body: { name: string; description?: string } }>(
      '/v1/workspaces',
      {
        config: { access: { permission: 'workspaces.write' } },
        schema: {
          tags: ['workspaces'],
          summary: 'Create a workspace',
          body: object({ name, description: { type: 'string', maxLength: 2000 } }, ['name']),
          response: responses({ 201: workspaceSchema }),
        },
      },
      async (request, reply) => reply.code(201).send(await this.workspaces.create(tenantOf(request), principalOf(request), request.body, request.ip)),
    );
  }
}
