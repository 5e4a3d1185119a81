// Tenancy, identity and audit tables, the non-owner request role and row-level security.
import { Migration } from '@mikro-orm/migrations';
import { CURRENT_TENANT, tenantIsolation } from './row-level-security.ts';

/** Tables whose rows belong to one tenant: each gets the same isolation policy on `tenant_id`. */
export const TENANT_OWNED_TABLES = ['membership', 'workspace', 'invitation', 'api_token', 'audit_event', 'audit_chain_head'];


export class Migration20261125000000Foundation extends Migration {
  override async up(): Promise<void> {
    // Roles are cluster-wide: several databases (and concurrent first starts) may race to create it.
    this.addSql(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'penny_app') THEN
          CREATE ROLE penny_app NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$;`);

    this.addSql(`
      CREATE TABLE tenant (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text,
        display_name text NOT NULL,
        is_platform_admin boolean NOT NULL DEFAULT false,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email));
      CREATE TABLE membership (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('admin', 'manager', 'creator', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, user_id)
      );
      CREATE INDEX membership_user_idx ON membership (user_id);
      CREATE TABLE workspace (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      );
      CREATE TABLE invitation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'manager', 'creator', 'viewer')),
        token_hash text NOT NULL UNIQUE,
        invited_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX invitation_tenant_idx ON invitation (tenant_id, created_at DESC);
      CREATE TABLE api_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        roles text[] NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX api_token_user_idx ON api_token (tenant_id, user_id);
      CREATE TABLE session (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('cookie', 'bearer')),
        csrf_token text NOT NULL,
        expires_at timestamptz NOT NULL,
        ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX session_user_idx ON session (user_id);
      CREATE TABLE audit_event (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        chain text NOT NULL,
        tenant_id uuid,
        seq bigint NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        actor text NOT NULL,
        action text NOT NULL,
        target text NOT NULL DEFAULT '',
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        payload_hash text NOT NULL,
        ip text,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        UNIQUE (chain, seq)
      );
      CREATE INDEX audit_event_tenant_time_idx ON audit_event (tenant_id, occurred_at DESC);
      CREATE TABLE audit_chain_head (
        chain text PRIMARY KEY,
        tenant_id uuid,
        seq bigint NOT NULL,
        hash text NOT NULL
      );`);

    // The audit log is append-only for everyone who goes through the database normally.
    this.addSql(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only';
      END $$;
      CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();`);

    // Requests run as penny_app, which owns nothing, so row-level security applies to it.
    const policies = tenantIsolation(TENANT_OWNED_TABLES);
    this.addSql(`
      ${policies}
      ALTER TABLE tenant ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_self ON tenant USING (id = ${CURRENT_TENANT});
      ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
      CREATE POLICY app_user_members ON app_user FOR SELECT
        USING (EXISTS (SELECT 1 FROM membership m WHERE m.user_id = app_user.id));
      ALTER TABLE session ENABLE ROW LEVEL SECURITY;

      GRANT USAGE ON SCHEMA public TO penny_app;
      GRANT SELECT, UPDATE (name, settings) ON tenant TO penny_app;
      GRANT SELECT (id, email, display_name, is_platform_admin, disabled_at, created_at) ON app_user TO penny_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON membership, workspace, invitation, api_token TO penny_app;
      GRANT SELECT, INSERT ON audit_event TO penny_app;
      GRANT SELECT, INSERT, UPDATE ON audit_chain_head TO penny_app;`);
  }
}
