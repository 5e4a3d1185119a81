// Workspaces inside a tenant. Queries here carry no tenant filter on purpose: row-level security
// scopes them, which the isolation tests rely on.
import { inject, injectable } from 'inversify';
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Database } from '../database/database.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { Workspace } from './tenancy.entities.ts';

export interface WorkspaceView {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

const view = (w: Workspace): WorkspaceView => ({ id: w.id, name: w.name, description: w.description, createdAt: w.createdAt.toISOString() });

@injectable()
export class WorkspacesService {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
  ) {}

  list(tenant: TenantContext): Promise<WorkspaceView[]> {
    return this.db.tenant(tenant.tenantId, async (em) => (await em.find(Workspace, {}, { orderBy: { createdAt: 'asc', name: 'asc' } })).map(view));
  }

  async get(tenant: TenantContext, id: string): Promise<WorkspaceView> {
    const found = await this.db.tenant(tenant.tenantId, (em) => em.findOne(Workspace, { id }));
    if (!found) throw new NotFoundError(`No workspace ${id} in this tenant.`);
    return view(found);
  }

  async create(tenant: TenantContext, actor: Principal, input: { name: string; description?: string }, ip: string): Promise<WorkspaceView> {
    const created = await this.db.tenant(tenant.tenantId, async (em) => {
      if (await em.count(Workspace, { name: input.name })) throw new ConflictError(`A workspace named "${input.name}" already exists in this tenant.`);
      const ws = em.create(Workspace, {
        id: randomUUID(),
        tenantId: tenant.tenantId,
        name: input.name,
        description: input.description ?? '',
        createdBy: actor.userId,
        createdAt: new Date(),
      });
      await em.flush();
      await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'workspace.created', target: `workspace:${ws.id}`, payload: input, ip });
      return ws;
    });
    this.bus.emit('workspace.created', { tenantId: tenant.tenantId, workspaceId: created.id });
    return view(created);
  }
}
