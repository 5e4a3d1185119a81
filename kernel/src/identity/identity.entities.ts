// People who can sign in, and their sessions. Users are global: one person may join many tenants.
import { EntitySchema } from '@mikro-orm/core';

export class User {
  id!: string;
  email!: string;
  passwordHash: string | null = null;
  displayName!: string;
  isPlatformAdmin = false;
  disabledAt: Date | null = null;
  createdAt: Date = new Date();
}

export type SessionKind = 'cookie' | 'bearer';

export class Session {
  id!: string;
  userId!: string;
  tokenHash!: string;
  kind!: SessionKind;
  csrfToken!: string;
  expiresAt!: Date;
  ip: string | null = null;
  userAgent: string | null = null;
  createdAt: Date = new Date();
}

export const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'app_user',
  properties: {
    id: { type: 'uuid', primary: true },
    email: { type: 'text' },
    passwordHash: { type: 'text', nullable: true, lazy: true },
    displayName: { type: 'text' },
    isPlatformAdmin: { type: 'boolean' },
    disabledAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date' },
  },
});

export const SessionSchema = new EntitySchema<Session>({
  class: Session,
  tableName: 'session',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    tokenHash: { type: 'text' },
    kind: { type: 'text' },
    csrfToken: { type: 'text' },
    expiresAt: { type: 'Date' },
    ip: { type: 'text', nullable: true },
    userAgent: { type: 'text', nullable: true },
    createdAt: { type: 'Date' },
  },
});
