// Tenants, their members and workspaces, and invitations to join them.
import { EntitySchema } from '@mikro-orm/core';
import type { Role } from '../rbac/permissions.ts';

export class Tenant {
  id!: string;
  slug!: string;
  name!: string;
  settings: Record<string, unknown> = {};
  createdAt: Date = new Date();
}

export class Membership {
  id!: string;
  tenantId!: string;
  userId!: string;
  role!: Role;
  createdAt: Date = new Date();
}

export class Workspace {
  id!: string;
  tenantId!: string;
  name!: string;
  description = '';
  createdBy: string | null = null;
  createdAt: Date = new Date();
}

export class Invitation {
  id!: string;
  tenantId!: string;
  email!: string;
  role!: Role;
  tokenHash!: string;
  invitedBy: string | null = null;
  expiresAt!: Date;
  acceptedAt: Date | null = null;
  acceptedBy: string | null = null;
  revokedAt: Date | null = null;
  createdAt: Date = new Date();
}

export const TenantSchema = new EntitySchema<Tenant>({
  class: Tenant,
  tableName: 'tenant',
  properties: {
    id: { type: 'uuid', primary: true },
    slug: { type: 'text' },
    name: { type: 'text' },
    settings: { type: 'json' },
    createdAt: { type: 'Date' },
  },
});

export const MembershipSchema = new EntitySchema<Membership>({
  class: Membership,
  tableName: 'membership',
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    userId: { type: 'uuid' },
    role: { type: 'text' },
    createdAt: { type: 'Date' },
  },
});

export const WorkspaceSchema = new EntitySchema<Workspace>({
  class: Workspace,
  tableName: 'workspace',
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    name: { type: 'text' },
    description: { type: 'text' },
    createdBy: { type: 'uuid', nullable: true },
    createdAt: { type: 'Date' },
  },
});

export const InvitationSchema = new EntitySchema<Invitation>({
  class: Invitation,
  tableName: 'invitation',
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    email: { type: 'text' },
    role: { type: 'text' },
    tokenHash: { type: 'text' },
    invitedBy: { type: 'uuid', nullable: true },
    expiresAt: { type: 'Date' },
    acceptedAt: { type: 'Date', nullable: true },
    acceptedBy: { type: 'uuid', nullable: true },
    revokedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date' },
  },
});
