// Invitations: a tenant admin or manager invites an email with a role; the invitee accepts with
// the link's token, creating an account (or proving an existing one) and joining the tenant.
import { inject, injectable } from 'inversify';
import { KernelConfig } from '../config/config.ts';
import { ConflictError, ForbiddenError, GoneError, NotFoundError, UnauthorizedError, ValidationError } from '../core/errors.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Database } from '../database/database.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { Mailer } from '../mail/mailer.ts';
import { canAssignRole, type Role } from '../rbac/permissions.ts';
import { hashPassword, verifyPassword } from '../identity/password.ts';
import { INVITATION_PREFIX, hashSecret, newSecret } from '../identity/secrets.ts';

export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: string;
  createdAt: string;
}

interface InvitationRow {
  id: string;
  tenant_id: string;
  email: string;
  role: Role;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

function statusOf(r: InvitationRow): InvitationView['status'] {
  if (r.accepted_at) return 'accepted';
  if (r.revoked_at) return 'revoked';
  return new Date(r.expires_at).getTime() <= Date.now() ? 'expired' : 'pending';
}

const view = (r: InvitationRow): InvitationView => ({
  id: r.id,
  email: r.email,
  role: r.role,
  status: statusOf(r),
  expiresAt: new Date(r.expires_at).toISOString(),
  createdAt: new Date(r.created_at).toISOString(),
});

@injectable()
export class InvitationsService {
  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(Mailer) private readonly mailer: Mailer,
  ) {}

  async invite(tenant: TenantContext, actor: Principal, input: { email: string; role: Role }, ip: string) {
    if (!canAssignRole(tenant.role, input.role)) throw new ForbiddenError(`A ${tenant.role} cannot invite someone as "${input.role}".`);
    const email = input.email.trim().toLowerCase();
    const token = newSecret(INVITATION_PREFIX);
    const expiresAt = new Date(Date.now() + this.config.invitationTtlMs);
    const row = await this.db.tenant(tenant.tenantId, async (em) => {
      const member = await em.execute(`SELECT 1 FROM membership m JOIN app_user u ON u.id = m.user_id WHERE lower(u.email) = ?`, [email]);
      if (member.length) throw new ConflictError(`${email} is already a member of this tenant.`);
      // A new invitation replaces any pending one for the same address.
      await em.execute(`UPDATE invitation SET revoked_at = now() WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL`, [email]);
      const [created] = await em.execute<InvitationRow[]>(
        `INSERT INTO invitation (tenant_id, email, role, token_hash, invited_by, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        [tenant.tenantId, email, input.role, hashSecret(token), actor.userId, expiresAt],
      );
      await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'member.invited', target: `invitation:${created!.id}`, payload: { email, role: input.role }, ip });
      return created!;
    });
    // The token travels in the fragment, which browsers never send to servers or in Referer.
    const link = `${this.config.publicUrl}/invitations/accept#token=${token}`;
    let emailed = false;
    try {
      emailed = await this.mailer.send({
        to: email,
        subject: `You are invited to ${tenant.name} on Penny`,
        text: `${actor.displayName} invited you to join ${tenant.name} as ${input.role}.\n\nAccept the invitation: ${link}\n\nThe link expires on ${expiresAt.toUTCString()}.`,
      });
    } catch (err) {
      // The invitation stands; the admin still gets the link to pass on by hand.
      console.warn(`invitation mail to ${email} failed: ${(err as Error).message}`);
    }
    this.bus.emit('member.invited', { tenantId: tenant.tenantId, invitationId: row.id, email, role: input.role });
    return { ...view(row), token, link, emailed };
  }

  list(tenant: TenantContext): Promise<InvitationView[]> {
    return this.db.tenant(tenant.tenantId, async (em) =>
      (await em.execute<InvitationRow[]>(`SELECT * FROM invitation ORDER BY created_at DESC LIMIT 500`)).map(view),
    );
  }

  async revoke(tenant: TenantContext, actor: Principal, id: string, ip: string): Promise<void> {
    await this.db.tenant(tenant.tenantId, async (em) => {
      const rows = await em.execute<InvitationRow[]>(`UPDATE invitation SET revoked_at = now() WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL RETURNING *`, [id]);
      if (!rows.length) throw new NotFoundError(`No pending invitation ${id} in this tenant.`);
      await this.audit.append(em, { tenantId: tenant.tenantId, actorId: actor.userId, actor: actor.email, action: 'member.invitationRevoked', target: `invitation:${id}`, ip });
    });
  }

  /** What an invitation link is for, so the accept page can say it before asking for a password. */
  async lookup(token: string): Promise<{ email: string; role: Role; tenant: { slug: string; name: string }; accountExists: boolean; expiresAt: string }> {
    const found = await this.findPending(token);
    return { email: found.email, role: found.role, tenant: { slug: found.slug, name: found.name }, accountExists: found.user_id !== null, expiresAt: new Date(found.expires_at).toISOString() };
  }

  async accept(input: { token: string; password: string; displayName?: string }, ip: string): Promise<{ userId: string; tenantId: string; slug: string; role: Role; created: boolean }> {
    const found = await this.findPending(input.token);
    let passwordHash: string | null = null;
    if (found.user_id) {
      if (!found.password_hash || !(await verifyPassword(input.password, found.password_hash))) {
        throw new UnauthorizedError(`An account for ${found.email} exists: give its current password to accept.`);
      }
    } else {
      if (input.password.length < 12) throw new ValidationError('body.password must be at least 12 characters', [{ path: 'body.password', message: 'must be at least 12 characters' }]);
      passwordHash = await hashPassword(input.password, this.config.scryptCost);
    }
    const result = await this.db.system(async (em) => {
      // Claim the invitation first: of two concurrent accepts, only one updates the row.
      const claimed = await em.execute(
        `UPDATE invitation SET accepted_at = now() WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
        [found.id],
      );
      if (!claimed.length) throw new GoneError('This invitation was already used, revoked or has expired.');
      let userId = found.user_id;
      if (!userId) {
        const [u] = await em.execute<{ id: string }[]>(
          `INSERT INTO app_user (email, password_hash, display_name) VALUES (?, ?, ?) RETURNING id`,
          [found.email, passwordHash, input.displayName?.trim() || found.email.split('@')[0]!],
        );
        userId = u!.id;
      }
      await em.execute(`UPDATE invitation SET accepted_by = ? WHERE id = ?`, [userId, found.id]);
      const inserted = await em.execute(`INSERT INTO membership (tenant_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT (tenant_id, user_id) DO NOTHING RETURNING id`, [found.tenant_id, userId, found.role]);
      if (!inserted.length) throw new ConflictError(`${found.email} is already a member of ${found.name}.`);
      await this.audit.append(em, { tenantId: found.tenant_id, actorId: userId, actor: found.email, action: 'member.joined', target: `invitation:${found.id}`, payload: { role: found.role, accountCreated: !found.user_id }, ip });
      return { userId, tenantId: found.tenant_id, slug: found.slug, role: found.role, created: !found.user_id };
    });
    this.bus.emit('member.joined', { tenantId: result.tenantId, userId: result.userId, role: result.role });
    return result;
  }

  private async findPending(token: string) {
    const rows = await this.db.query<InvitationRow & { slug: string; name: string; user_id: string | null; password_hash: string | null }>(
      `SELECT i.*, t.slug, t.name, u.id AS user_id, u.password_hash
       FROM invitation i JOIN tenant t ON t.id = i.tenant_id LEFT JOIN app_user u ON lower(u.email) = i.email
       WHERE i.token_hash = ?`,
      [hashSecret(token)],
    );
    const found = rows[0];
    if (!found) throw new NotFoundError('This invitation link is not valid; ask for a new one.');
    const status = statusOf(found);
    if (status !== 'pending') throw new GoneError(`This invitation is ${status}; ask for a new one.`);
    return found;
  }
}
