// Share links to one artifact version (inside the tenant, or public read-only with an expiry), and
// per-workspace settings (system prompts, default model).
import { Migration } from '@mikro-orm/migrations';
import { tenantIsolation } from './row-level-security.ts';

export class Migration20261126070000ArtifactShares extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE artifact_share (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        artifact_id uuid NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version >= 1),
        scope text NOT NULL CHECK (scope IN ('tenant', 'public')),
        -- Only the sha256 of a public link's token is kept; the token itself is shown once.
        token_hash text UNIQUE,
        expires_at timestamptz,
        created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        CHECK (scope = 'tenant' OR (token_hash IS NOT NULL AND expires_at IS NOT NULL))
      );
      CREATE INDEX artifact_share_artifact_idx ON artifact_share (tenant_id, artifact_id, created_at);`);
    this.addSql(`
      ${tenantIsolation(['artifact_share'])}
      GRANT SELECT, INSERT, UPDATE ON artifact_share TO penny_app;`);
    // workspace already has row-level security and table-wide grants, which cover a new column.
    this.addSql(`ALTER TABLE workspace ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;`);
  }
}
