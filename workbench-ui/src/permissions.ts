// Which role may do what, mirrored from the kernel's matrix (kernel/src/rbac/permissions.ts) so the
// workbench shows only the actions a member can take. The kernel still decides every request.
import type { Role } from './api/types.ts';

const RANK: Record<Role, number> = { viewer: 0, creator: 1, manager: 2, admin: 3 };

const LOWEST_ROLE = {
  'tenant.read': 'viewer',
  'tenant.update': 'admin',
  'tokens.manage': 'viewer',
  'members.read': 'manager',
  'members.invite': 'manager',
  'members.manage': 'admin',
  'audit.read': 'admin',
  'extensions.read': 'viewer',
  'extensions.manage': 'admin',
  'tools.invoke': 'creator',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof LOWEST_ROLE;

export function roleAllows(role: Role | null | undefined, permission: Permission): boolean {
  return !!role && RANK[role] >= RANK[LOWEST_ROLE[permission]];
}

/** Roles an actor may hand out: never above their own. */
export function assignableRoles(role: Role | null | undefined): Role[] {
  if (!role) return [];
  return (Object.keys(RANK) as Role[]).filter((r) => RANK[r] <= RANK[role]).sort((a, b) => RANK[b] - RANK[a]);
}
