// Conversations as trees of messages, model and tool runs, and artifacts with immutable versions.
import { Migration } from '@mikro-orm/migrations';
import { tenantIsolation } from './row-level-security.ts';

export const CHAT_TENANT_TABLES = ['conversation', 'message', 'run', 'artifact', 'artifact_version'];


export class Migration20261125030000Chat extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE conversation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        title text NOT NULL DEFAULT '',
        created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        active_leaf_id uuid,
        provider text,
        model text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX conversation_list_idx ON conversation (tenant_id, created_by, updated_at DESC);
      CREATE TABLE message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
        parent_id uuid REFERENCES message(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        content text NOT NULL DEFAULT '',
        tool_calls jsonb,
        tool_call_id text,
        status text NOT NULL DEFAULT 'complete' CHECK (status IN ('streaming', 'complete', 'error', 'cancelled')),
        provider text,
        model text,
        error text,
        created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX message_conversation_idx ON message (conversation_id, created_at);
      CREATE TABLE run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        conversation_id uuid REFERENCES conversation(id) ON DELETE CASCADE,
        message_id uuid REFERENCES message(id) ON DELETE SET NULL,
        kind text NOT NULL CHECK (kind IN ('model', 'tool')),
        extension_id text NOT NULL,
        name text NOT NULL,
        model text,
        tokens_in integer,
        tokens_out integer,
        ttft_ms double precision,
        duration_ms double precision,
        outcome text NOT NULL,
        error text,
        started_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX run_conversation_idx ON run (conversation_id, started_at);
      CREATE TABLE artifact (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        conversation_id uuid REFERENCES conversation(id) ON DELETE SET NULL,
        title text NOT NULL,
        mime_type text NOT NULL,
        latest_version integer NOT NULL DEFAULT 1,
        created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE artifact_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        artifact_id uuid NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,
        version integer NOT NULL,
        mime_type text NOT NULL,
        title text NOT NULL,
        encoding text NOT NULL CHECK (encoding IN ('json', 'text', 'base64')),
        size integer NOT NULL,
        sha256 text NOT NULL,
        storage_key text NOT NULL,
        lineage jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (artifact_id, version)
      );`);
    // Versions are immutable: a change is a new version.
    this.addSql(`
      CREATE FUNCTION artifact_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'artifact versions are immutable; create a new version';
      END $$;
      CREATE TRIGGER artifact_version_no_update BEFORE UPDATE ON artifact_version
        FOR EACH ROW EXECUTE FUNCTION artifact_version_immutable();`);
    const policies = tenantIsolation(CHAT_TENANT_TABLES);
    this.addSql(`
      ${policies}
      GRANT SELECT, INSERT, UPDATE, DELETE ON conversation, message, artifact TO penny_app;
      GRANT SELECT, INSERT ON run, artifact_version TO penny_app;
      GRANT DELETE ON artifact_version TO penny_app;`);
  }
}
