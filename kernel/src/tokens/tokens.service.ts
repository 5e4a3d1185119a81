// Personal access tokens: shown once, stored as a hash, bound to one tenant and a subset of roles.
import { inject, injectable } from 'inversify';
import { randomUUID } from 'node:crypto';
import { ForbiddenError, NotFoundError } from '../core/errors.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Database } from '../database/database.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { roleAtLeast, type Role } from '../rbac/permissions.ts';
import { PAT_PREFIX, hashSecret, newSecret } from '../identity/secrets.ts';
import { ApiToken } from './api-token.entity.ts';

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  roles: Role[];
  userId: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const view = (t: ApiToken): TokenView => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  roles: t.roles,
  userId: t.userId,
  expiresAt: iso(t.expiresAt),
  revokedAt: iso(t.revokedAt),
  lastUsedAt: iso(t.lastUsedAt),
  createdAt: t.createdAt.toISOString(),
});

@injectable()
export class TokensService {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
  ) {}

  async create(tenant: TenantContext, actor: Principal, input: { name: string; roles?: Role[]; expiresInDays?: number | null }, ip: string): Promise<TokenView & { token: string }> {
    const roles = [...new Set(input.roles?.length ? input.roles : [tenant.role])];
    const above = roles.filter((r) => !roleAtLeast(tenant.role, r));
    if (above.length) throw new ForbiddenError(`A token cannot carry roles above your own (${tenant.role}): ${above.join(', ')}.`);
    const secret = newSecret(PAT_PREFIX);
    const days = input.expiresInDays === undefined ? 90 : input.expiresInDays;
    const token = await this.db.tenant(tenant.tenantId, async (em) => {
      const t = em.create(ApiToken, {
        id: randomUUID(),
        tenantId: tenant.tenantId,
        userId: actor.userId,
        name: input.name,
        prefix: secret.slice(0, PAT_PREFIX.length + 6),
        tokenHash: hashSecret(secret),
        roles,
        expiresAt: days === null ? null : new Date(Date.now() + days * 86_400_000),
        revokedAt: null,
        lastUsedAt: null,
        createdAt: new Date(),
      });
      await em.flush();
      await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'token.created', target: `token:${t.id}`, payload: { name: input.name, roles, expiresAt: t.expiresAt }, ip });
      return t;
    });
    this.bus.emit('token.created', { tenantId: tenant.tenantId, tokenId: token.id, userId: actor.userId });
    return { ...view(token), token: secret };
  }

  /** The caller's own tokens; with `everyone`, all tokens of the tenant (for admins). */
  list(tenant: TenantContext, actor: Principal, everyone: boolean): Promise<TokenView[]> {
    return this.db.tenant(tenant.tenantId, async (em) =>
      (await em.find(ApiToken, everyone ? {} : { userId: actor.userId }, { orderBy: { createdAt: 'desc' } })).map(view),
    );
  }

  async revoke(tenant: TenantContext, actor: Principal, id: string, ip: string): Promise<void> {
    const mayRevokeOthers = tenant.permissions.has('members.manage');
    const revoked = await this.db.tenant(tenant.tenantId, async (em) => {
      const t = await em.findOne(ApiToken, mayRevokeOthers ? { id } : { id, userId: actor.userId });
      if (!t) throw new NotFoundError(`No token ${id} of yours in this tenant.`);
      if (!t.revokedAt) {
        t.revokedAt = new Date();
        await em.flush();
        await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'token.revoked', target: `token:${id}`, ip });
      }
      return t;
    });
    this.bus.emit('token.revoked', { tenantId: tenant.tenantId, tokenId: id, userId: revoked.userId });
  }
}
