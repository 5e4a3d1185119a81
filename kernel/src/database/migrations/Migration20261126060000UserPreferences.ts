// Per-user, per-tenant preferences kept by the kernel (e.g. a dashboard's widget layout), so they
// follow the user across browsers. Tenant-owned: row-level security as everywhere else.
import { Migration } from '@mikro-orm/migrations';
import { tenantIsolation } from './row-level-security.ts';

export class Migration20261126060000UserPreferences extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE user_preference (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        key text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9._:-]{0,127}$'),
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id, key)
      );
      ${tenantIsolation(['user_preference'])}
      GRANT SELECT, INSERT, UPDATE, DELETE ON user_preference TO penny_app;`);
  }
}
