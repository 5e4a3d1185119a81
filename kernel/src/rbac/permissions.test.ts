import { describe, expect, it } from 'vitest';
import { canAssignRole, effectivePermissions, effectiveRole, permissionMatrix, permissionsOf, ROLES } from './permissions.ts';

describe('permission matrix', () => {
  it('gives every higher role a superset of the lower role', () => {
    for (let i = 1; i < ROLES.length; i++) {
      const higher = permissionsOf(ROLES[i - 1]!);
      for (const p of permissionsOf(ROLES[i]!)) expect(higher.has(p)).toBe(true);
    }
  });

  it('reserves audit and member management to admins', () => {
    const m = permissionMatrix();
    expect(m['audit.read']).toEqual(['admin']);
    expect(m['members.manage']).toEqual(['admin']);
    expect(m['members.invite']).toEqual(['admin', 'manager']);
    expect(m['workspaces.read']).toEqual(['admin', 'manager', 'creator', 'viewer']);
  });

  it('narrows a token to the intersection of its roles and its owner', () => {
    expect([...effectivePermissions('admin', ['viewer'])].sort()).toEqual([...permissionsOf('viewer')].sort());
    // A token claiming admin for a viewer still acts as a viewer.
    expect([...effectivePermissions('viewer', ['admin'])].sort()).toEqual([...permissionsOf('viewer')].sort());
    expect(effectiveRole('manager', ['viewer', 'creator'])).toBe('creator');
    expect(effectiveRole('creator', ['admin'])).toBe('creator');
  });

  it('lets nobody assign a role above their own', () => {
    expect(canAssignRole('manager', 'admin')).toBe(false);
    expect(canAssignRole('manager', 'manager')).toBe(true);
    expect(canAssignRole('admin', 'admin')).toBe(true);
  });
});
