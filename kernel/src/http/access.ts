// Who is calling and in which tenant: the types every route handler reads, and the contract
// (Authenticator) that the identity feature fulfils for the HTTP layer.
import type { FastifyRequest } from 'fastify';
import type { Permission, Role } from '../rbac/permissions.ts';

export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  isPlatformAdmin: boolean;
  /** How the request proved who it is; only cookie sessions need CSRF protection. */
  via: 'cookie' | 'bearer' | 'token';
  sessionId?: string;
  csrfToken?: string;
  /** Set when a personal access token authenticated the request. */
  token?: { id: string; name: string; tenantId: string; roles: Role[] };
}

export interface TenantContext {
  tenantId: string;
  slug: string;
  name: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
}

/**
 * What a route requires. Every route declares exactly one:
 * - `public`: anyone; `signedIn`: any signed-in user, no tenant;
 * - `platform`: a platform administrator; `permission`: a member of the request's tenant holding it.
 */
export type Access = { public: true } | { signedIn: true } | { platform: true } | { permission: Permission };

export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal | null>;
  /** Picks the tenant from `X-Penny-Tenant` (id or slug) or the user's first, and checks membership. */
  resolveTenant(principal: Principal, requested: string | undefined): Promise<TenantContext>;
}
export const Authenticator = Symbol('Authenticator');

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    tenantContext: TenantContext | null;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Set false to exempt a route (health probes, metrics) from rate limits. */
    rateLimited?: boolean;
  }
}

/** The signed-in principal; routes that declared anything but `public` always have one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without a principal');
  return request.principal;
}

export function tenantOf(request: FastifyRequest): TenantContext {
  if (!request.tenantContext) throw new Error('route reached without a tenant context');
  return request.tenantContext;
}
