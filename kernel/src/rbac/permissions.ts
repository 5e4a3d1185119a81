// The permission matrix: the one place that says which role may do what. Every route names the
// permission it needs; features never compare role names themselves.

export const ROLES = ['admin', 'manager', 'creator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Higher rank includes everything a lower rank may do. */
const RANK: Record<Role, number> = { viewer: 0, creator: 1, manager: 2, admin: 3 };

/** The lowest role that holds each permission. */
const MATRIX = {
  'tenant.read': 'viewer',
  'tenant.update': 'admin',
  'workspaces.read': 'viewer',
  'workspaces.write': 'creator',
  'tokens.manage': 'viewer',
  'members.read': 'manager',
  'members.invite': 'manager',
  'members.manage': 'admin',
  'audit.read': 'admin',
  'extensions.read': 'viewer',
  'extensions.manage': 'admin',
  'tools.invoke': 'creator',
  'chat.use': 'viewer',
  'artifacts.read': 'viewer',
  'artifacts.write': 'creator',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof MATRIX;
export const PERMISSIONS = Object.keys(MATRIX) as Permission[];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

export function permissionsOf(role: Role): Set<Permission> {
  return new Set(PERMISSIONS.filter((p) => roleAtLeast(role, MATRIX[p])));
}

/**
 * What a caller may do: the membership role's permissions, narrowed to the roles a token was
 * limited to (a token never grants more than its owner has).
 */
export function effectivePermissions(memberRole: Role, tokenRoles?: readonly Role[]): Set<Permission> {
  const granted = permissionsOf(memberRole);
  if (!tokenRoles) return granted;
  const allowed = new Set<Permission>();
  for (const role of tokenRoles) for (const p of permissionsOf(role)) if (granted.has(p)) allowed.add(p);
  return allowed;
}

/** Nobody may hand out a role above their own. */
export function canAssignRole(actorRole: Role, targetRole: Role): boolean {
  return roleAtLeast(actorRole, targetRole);
}

/** The highest role a token limited to `tokenRoles` acts as, capped by the member's role. */
export function effectiveRole(memberRole: Role, tokenRoles?: readonly Role[]): Role {
  if (!tokenRoles || tokenRoles.length === 0) return memberRole;
  const best = tokenRoles.reduce((a, b) => (RANK[a] >= RANK[b] ? a : b));
  return RANK[best] <= RANK[memberRole] ? best : memberRole;
}

export function permissionMatrix(): Record<Permission, Role[]> {
  const out = {} as Record<Permission, Role[]>;
  for (const p of PERMISSIONS) out[p] = ROLES.filter((r) => roleAtLeast(r, MATRIX[p]));
  return out;
}
