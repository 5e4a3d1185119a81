// Personal access tokens: bound to one user in one tenant, limited to a subset of roles.
import { EntitySchema } from '@mikro-orm/core';
import type { Role } from '../rbac/permissions.ts';

export class ApiToken {
  id!: string;
  tenantId!: string;
  userId!: string;
  name!: string;
  prefix!: string;
  tokenHash!: string;
  roles!: Role[];
  expiresAt: Date | null = null;
  revokedAt: Date | null = null;
  lastUsedAt: Date | null = null;
  createdAt: Date = new Date();
}

export const ApiTokenSchema = new EntitySchema<ApiToken>({
  class: ApiToken,
  tableName: 'api_token',
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    userId: { type: 'uuid' },
    name: { type: 'text' },
    prefix: { type: 'text' },
    tokenHash: { type: 'text' },
    roles: { type: 'text[]' },
    expiresAt: { type: 'Date', nullable: true },
    revokedAt: { type: 'Date', nullable: true },
    lastUsedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date' },
  },
});
