// Tenants and their members: creating a tenant, listing, changing roles, removing members.
import { inject, injectable } from 'inversify';
import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError } from '../core/errors.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Database, type EntityManager } from '../database/database.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { canAssignRole, type Role } from '../rbac/permissions.ts';

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface MemberView {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  joinedAt: string;
}

interface TenantRow {
  id: string;
  slug: string;
  name: string;
  created_at: Date;
}

const tenantView = (r: TenantRow): TenantView => ({ id: r.id, slug: r.slug, name: r.name, createdAt: new Date(r.created_at).toISOString() });

@injectable()
export class TenantsService {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
  ) {}

  /** Creates a tenant with its first admin and a default workspace, in one transaction. */
  async create(input: { slug: string; name: string; adminUserId: string | null }, actor: { id: string | null; label: string; ip?: string }): Promise<TenantView> {
    const id = randomUUID();
    const row = await this.db.system(async (em) => {
      const taken = await em.execute(`SELECT 1 FROM tenant WHERE slug = ?`, [input.slug]);
      if (taken.length) throw new ConflictError(`A tenant with the slug "${input.slug}" already exists; pick another slug.`);
      const [created] = await em.execute<TenantRow[]>(`INSERT INTO tenant (id, slug, name) VALUES (?, ?, ?) RETURNING id, slug, name, created_at`, [id, input.slug, input.name]);
      if (input.adminUserId) await em.execute(`INSERT INTO membership (tenant_id, user_id, role) VALUES (?, ?, 'admin')`, [id, input.adminUserId]);
      await em.execute(`INSERT INTO workspace (tenant_id, name, description, created_by) VALUES (?, 'General', 'The default workspace', ?)`, [id, input.adminUserId]);
      const payload = { slug: input.slug, name: input.name };
      await this.audit.append(em, { tenantId: null, actorId: actor.id, actor: actor.label, action: 'tenant.created', target: `tenant:${id}`, payload, ip: actor.ip ?? null });
      await this.audit.append(em, { tenantId: id, actorId: actor.id, actor: actor.label, action: 'tenant.created', target: `tenant:${id}`, payload, ip: actor.ip ?? null });
      return created!;
    });
    this.bus.emit('tenant.created', { tenantId: id, slug: input.slug, createdBy: actor.id });
    return tenantView(row);
  }

  async listAll(): Promise<TenantView[]> {
    return (await this.db.query<TenantRow>(`SELECT id, slug, name, created_at FROM tenant ORDER BY slug`)).map(tenantView);
  }

  async current(tenant: TenantContext): Promise<TenantView> {
    // No WHERE clause: row-level security shows a tenant only its own row.
    const rows = await this.db.tenant(tenant.tenantId, (em) => em.execute<TenantRow[]>(`SELECT id, slug, name, created_at FROM tenant`));
    if (rows.length !== 1) throw new NotFoundError('The tenant was not found.');
    return tenantView(rows[0]!);
  }

  listMembers(tenant: TenantContext): Promise<MemberView[]> {
    return this.db.tenant(tenant.tenantId, async (em) => {
      const rows = await em.execute<{ user_id: string; email: string; display_name: string; role: Role; created_at: Date }[]>(
        `SELECT m.user_id, u.email, u.display_name, m.role, m.created_at
         FROM membership m JOIN app_user u ON u.id = m.user_id ORDER BY m.created_at, u.email`,
      );
      return rows.map((r) => ({ userId: r.user_id, email: r.email, displayName: r.display_name, role: r.role, joinedAt: new Date(r.created_at).toISOString() }));
    });
  }

  async changeRole(tenant: TenantContext, actor: Principal, userId: string, role: Role, ip: string): Promise<MemberView> {
    if (!canAssignRole(tenant.role, role)) throw new ForbiddenError(`A ${tenant.role} cannot grant the role "${role}".`);
    const result = await this.db.tenant(tenant.tenantId, async (em) => {
      const current = await this.memberRole(em, userId);
      if (current === role) return { from: current };
      if (current === 'admin') await this.ensureAnotherAdmin(em, userId, 'demote');
      await em.execute(`UPDATE membership SET role = ? WHERE user_id = ?`, [role, userId]);
      await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'member.roleChanged', target: `user:${userId}`, payload: { from: current, to: role }, ip });
      return { from: current };
    });
    if (result.from !== role) this.bus.emit('member.roleChanged', { tenantId: tenant.tenantId, userId, from: result.from, to: role });
    const member = (await this.listMembers(tenant)).find((m) => m.userId === userId);
    if (!member) throw new NotFoundError(`No member ${userId} in this tenant.`);
    return member;
  }

  async removeMember(tenant: TenantContext, actor: Principal, userId: string, ip: string): Promise<void> {
    await this.db.tenant(tenant.tenantId, async (em) => {
      const current = await this.memberRole(em, userId);
      if (current === 'admin') await this.ensureAnotherAdmin(em, userId, 'remove');
      await em.execute(`DELETE FROM membership WHERE user_id = ?`, [userId]);
      // A removed member's tokens for this tenant must stop working at once.
      await em.execute(`UPDATE api_token SET revoked_at = now() WHERE user_id = ? AND revoked_at IS NULL`, [userId]);
      await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'member.removed', target: `user:${userId}`, payload: { role: current }, ip });
    });
    this.bus.emit('member.removed', { tenantId: tenant.tenantId, userId });
  }

  private async memberRole(em: EntityManager, userId: string): Promise<Role> {
    const rows = await em.execute<{ role: Role }[]>(`SELECT role FROM membership WHERE user_id = ? FOR UPDATE`, [userId]);
    if (!rows[0]) throw new NotFoundError(`No member ${userId} in this tenant.`);
    return rows[0].role;
  }

  private async ensureAnotherAdmin(em: EntityManager, userId: string, verb: string): Promise<void> {
    const [row] = await em.execute<{ n: string }[]>(`SELECT count(*) AS n FROM membership WHERE role = 'admin' AND user_id <> ?`, [userId]);
    if (Number(row?.n ?? 0) === 0) throw new ConflictError(`Cannot ${verb} the tenant's last admin; make someone else admin first.`);
  }
}
