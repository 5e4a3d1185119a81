// Sign-in, sign-out and request authentication: session cookies, short-lived bearer tokens and
// personal access tokens, plus choosing the tenant a request acts in.
import { inject, injectable } from 'inversify';
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { KernelConfig } from '../config/config.ts';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../core/errors.ts';
import { Database } from '../database/database.service.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { RateLimiter } from '../ratelimit/rate-limiter.ts';
import type { Authenticator, Principal, TenantContext } from '../http/access.ts';
import { effectivePermissions, effectiveRole, isRole, type Role } from '../rbac/permissions.ts';
import { decoyHash, verifyPassword } from './password.ts';
import { BEARER_PREFIX, PAT_PREFIX, SESSION_PREFIX, hashSecret, newSecret } from './secrets.ts';

export const SESSION_COOKIE = 'penny_session';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MembershipSummary {
  tenantId: string;
  slug: string;
  name: string;
  role: Role;
}

export interface SignInResult {
  user: { id: string; email: string; displayName: string; isPlatformAdmin: boolean };
  sessionSecret: string;
  sessionExpiresAt: Date;
  token: string;
  tokenExpiresAt: Date;
  csrfToken: string;
  tenants: MembershipSummary[];
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  is_platform_admin: boolean;
  disabled_at: Date | null;
}

@injectable()
export class AuthService implements Authenticator {
  private decoy: Promise<string> | undefined;

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(RateLimiter) private readonly limiter: RateLimiter,
  ) {}

  async signIn(emailInput: string, password: string, meta: { ip: string; userAgent: string | undefined }): Promise<SignInResult> {
    const email = emailInput.trim().toLowerCase();
    const { loginFailuresPerAccount, loginFailuresPerIp, loginWindowMs } = this.config.rateLimit;
    const [byAccount, byIp] = await Promise.all([this.limiter.peek(`login:acct:${email}`), this.limiter.peek(`login:ip:${meta.ip}`)]);
    if (byAccount.count >= loginFailuresPerAccount || byIp.count >= loginFailuresPerIp) {
      await this.audit.record({
        tenantId: null,
        actorId: null,
        actor: email,
        action: 'auth.signInThrottled',
        outcome: 'denied',
        payload: { email },
        ip: meta.ip,
      });
      throw new RateLimitedError('Too many failed sign-ins; wait before trying again.', Math.max(byAccount.resetMs, byIp.resetMs));
    }

    const found = await this.db.system(async (em) => {
      const rows = await em.execute<(UserRow & { password_hash: string | null })[]>(
        `SELECT id, email, display_name, is_platform_admin, disabled_at, password_hash FROM app_user WHERE lower(email) = ?`,
        [email],
      );
      return rows[0];
    });
    // Always run the KDF, so response time does not reveal whether the account exists.
    const stored = found?.password_hash ?? (await (this.decoy ??= decoyHash(this.config.scryptCost)));
    const valid = (await verifyPassword(password, stored)) && !!found && !found.disabled_at && !!found.password_hash;
    if (!valid || !found) {
      await Promise.all([this.limiter.hit(`login:acct:${email}`, loginWindowMs), this.limiter.hit(`login:ip:${meta.ip}`, loginWindowMs)]);
      await this.audit.record({
        tenantId: null,
        actorId: found?.id ?? null,
        actor: email,
        action: 'auth.signInFailed',
        outcome: 'failure',
        payload: { email },
        ip: meta.ip,
      });
      throw new UnauthorizedError('The email or password is wrong.');
    }
    await this.limiter.reset(`login:acct:${email}`);

    const now = Date.now();
    const sessionSecret = newSecret(SESSION_PREFIX);
    const token = newSecret(BEARER_PREFIX);
    const csrfToken = randomBytes(24).toString('base64url');
    const sessionExpiresAt = new Date(now + this.config.sessionTtlMs);
    const tokenExpiresAt = new Date(now + this.config.bearerTtlMs);
    await this.db.system(async (em) => {
      const insert = `INSERT INTO session (user_id, token_hash, kind, csrf_token, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`;
      await em.execute(insert, [
        found.id,
        hashSecret(sessionSecret),
        'cookie',
        csrfToken,
        sessionExpiresAt,
        meta.ip,
        meta.userAgent ?? null,
      ]);
      await em.execute(insert, [found.id, hashSecret(token), 'bearer', csrfToken, tokenExpiresAt, meta.ip, meta.userAgent ?? null]);
      await em.execute(`DELETE FROM session WHERE user_id = ? AND expires_at < now()`, [found.id]);
      await this.audit.append(em, {
        tenantId: null,
        actorId: found.id,
        actor: found.email,
        action: 'auth.signedIn',
        payload: { email },
        ip: meta.ip,
      });
    });
    const tenants = await this.membershipsOf(found.id);
    // Each tenant's admins see their members' sign-ins in their own log.
    for (const t of tenants) {
      await this.audit.record({
        tenantId: t.tenantId,
        actorId: found.id,
        actor: found.email,
        action: 'auth.signedIn',
        payload: { email },
        ip: meta.ip,
      });
    }
    this.bus.emit('user.signedIn', { userId: found.id });
    return {
      user: { id: found.id, email: found.email, displayName: found.display_name, isPlatformAdmin: found.is_platform_admin },
      sessionSecret,
      sessionExpiresAt,
      token,
      tokenExpiresAt,
      csrfToken,
      tenants,
    };
  }

  async signOut(principal: Principal, ip: string): Promise<void> {
    if (!principal.sessionId) throw new ForbiddenError('Personal access tokens do not sign out; revoke the token instead.');
    await this.db.system(async (em) => {
      await em.execute(`DELETE FROM session WHERE id = ?`, [principal.sessionId]);
      await this.audit.append(em, { tenantId: null, actorId: principal.userId, actor: principal.email, action: 'auth.signedOut', ip });
    });
    this.bus.emit('user.signedOut', { userId: principal.userId });
  }

  async membershipsOf(userId: string): Promise<MembershipSummary[]> {
    const rows = await this.db.query<{ tenant_id: string; slug: string; name: string; role: string }>(
      `SELECT m.tenant_id, t.slug, t.name, m.role FROM membership m JOIN tenant t ON t.id = m.tenant_id
       WHERE m.user_id = ? ORDER BY m.created_at, t.slug`,
      [userId],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, slug: r.slug, name: r.name, role: r.role as Role }));
  }

  async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) return null;
      const secret = match[1]!;
      return secret.startsWith(PAT_PREFIX) ? this.fromAccessToken(secret) : this.fromSession(secret, 'bearer');
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    return cookie ? this.fromSession(cookie, 'cookie') : null;
  }

  private async fromSession(secret: string, kind: 'cookie' | 'bearer'): Promise<Principal | null> {
    if (!secret.startsWith(kind === 'cookie' ? SESSION_PREFIX : BEARER_PREFIX)) return null;
    const rows = await this.db.query<UserRow & { session_id: string; csrf_token: string }>(
      `SELECT s.id AS session_id, s.csrf_token, u.id, u.email, u.display_name, u.is_platform_admin, u.disabled_at
       FROM session s JOIN app_user u ON u.id = s.user_id
       WHERE s.token_hash = ? AND s.kind = ? AND s.expires_at > now()`,
      [hashSecret(secret), kind],
    );
    const row = rows[0];
    if (!row || row.disabled_at) return null;
    return {
      userId: row.id,
      email: row.email,
      displayName: row.display_name,
      isPlatformAdmin: row.is_platform_admin,
      via: kind,
      sessionId: row.session_id,
      ...(kind === 'cookie' ? { csrfToken: row.csrf_token } : {}),
    };
  }

  private async fromAccessToken(secret: string): Promise<Principal | null> {
    const rows = await this.db.query<
      UserRow & { token_id: string; token_name: string; tenant_id: string; roles: string[]; stale: boolean }
    >(
      `SELECT k.id AS token_id, k.name AS token_name, k.tenant_id, k.roles,
              (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale,
              u.id, u.email, u.display_name, u.is_platform_admin, u.disabled_at
       FROM api_token k JOIN app_user u ON u.id = k.user_id
       WHERE k.token_hash = ? AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [hashSecret(secret)],
    );
    const row = rows[0];
    // Recording use at most once a minute keeps reads from turning into writes.
    if (row?.stale) await this.db.query(`UPDATE api_token SET last_used_at = now() WHERE id = ?`, [row.token_id]);
    if (!row || row.disabled_at) return null;
    return {
      userId: row.id,
      email: row.email,
      displayName: row.display_name,
      isPlatformAdmin: row.is_platform_admin,
      via: 'token',
      token: { id: row.token_id, name: row.token_name, tenantId: row.tenant_id, roles: row.roles.filter(isRole) },
    };
  }

  async resolveTenant(principal: Principal, requested: string | undefined): Promise<TenantContext> {
    const wanted = requested?.trim() || undefined;
    const pinned = principal.token?.tenantId;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    add('m.user_id = ?', principal.userId);
    if (pinned) add('t.id = ?', pinned);
    if (wanted && UUID.test(wanted)) add('(t.id = ? OR t.slug = ?)', wanted, wanted);
    else if (wanted) add('t.slug = ?', wanted.toLowerCase());
    const rows = await this.db.query<{ tenant_id: string; slug: string; name: string; role: string }>(
      `SELECT m.tenant_id, t.slug, t.name, m.role FROM membership m JOIN tenant t ON t.id = m.tenant_id
       WHERE ${where.join(' AND ')} ORDER BY m.created_at, t.slug LIMIT 1`,
      params,
    );
    const row = rows[0];
    if (!row || !isRole(row.role)) {
      if (pinned && wanted) throw new ForbiddenError(`This access token is limited to another tenant than "${wanted}".`);
      throw new ForbiddenError(wanted ? `You are not a member of tenant "${wanted}".` : 'You are not a member of any tenant yet.');
    }
    const tokenRoles = principal.token?.roles;
    return {
      tenantId: row.tenant_id,
      slug: row.slug,
      name: row.name,
      role: effectiveRole(row.role, tokenRoles),
      permissions: effectivePermissions(row.role, tokenRoles),
    };
  }
}
