// The extension catalog (signed bundles and publisher keys, platform-wide), and per tenant: trusted
// keys, installations with the permissions their admin granted, extension storage and secrets.
import { Migration } from '@mikro-orm/migrations';
import { tenantIsolation } from './row-level-security.ts';

export const EXTENSION_TENANT_TABLES = ['tenant_trusted_key', 'extension_installation', 'extension_storage', 'extension_secret'];


export class Migration20261125010000Extensions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE publisher_key (
        key_id text PRIMARY KEY,
        public_key text NOT NULL,
        publisher text NOT NULL,
        label text NOT NULL DEFAULT '',
        is_platform boolean NOT NULL DEFAULT false,
        added_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        added_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE extension_bundle (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        extension_id text NOT NULL,
        version text NOT NULL,
        sha256 text NOT NULL UNIQUE,
        key_id text NOT NULL REFERENCES publisher_key(key_id),
        manifest jsonb NOT NULL,
        bytes bytea NOT NULL,
        size integer NOT NULL,
        published_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (extension_id, version)
      );
      CREATE TABLE tenant_trusted_key (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        key_id text NOT NULL REFERENCES publisher_key(key_id) ON DELETE CASCADE,
        added_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key_id)
      );
      CREATE TABLE extension_installation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        extension_id text NOT NULL,
        bundle_id uuid NOT NULL REFERENCES extension_bundle(id),
        version text NOT NULL,
        manifest jsonb NOT NULL,
        granted_permissions jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        installed_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        installed_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, extension_id)
      );
      CREATE TABLE extension_storage (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        extension_id text NOT NULL,
        key text NOT NULL,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, extension_id, key)
      );
      CREATE TABLE extension_secret (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        extension_id text NOT NULL,
        name text NOT NULL,
        ciphertext text NOT NULL,
        updated_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, extension_id, name)
      );`);
    const policies = tenantIsolation(EXTENSION_TENANT_TABLES);
    this.addSql(`
      ${policies}
      GRANT SELECT ON publisher_key TO penny_app;
      GRANT SELECT (id, extension_id, version, sha256, key_id, manifest, size, published_by, published_at) ON extension_bundle TO penny_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_trusted_key, extension_installation, extension_storage, extension_secret TO penny_app;`);
  }
}
