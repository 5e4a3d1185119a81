// Publisher keys: the platform-wide register of public keys that may sign catalog bundles, and each
// tenant's choice of which of them it trusts. Platform keys (those that sign the built-ins) are
// trusted by every tenant implicitly and cannot be removed from a tenant's trust.
import { inject, injectable } from 'inversify';
import { importPublicKey, type PublicKey } from '@penny/marketplace';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { Database, type EntityManager } from '../database/database.service.ts';
import { auditRefusals } from './marketplace.errors.ts';
import type { Actor } from './marketplace.types.ts';

export interface KnownKey extends PublicKey {
  publisher: string;
  isPlatform: boolean;
}

export interface PublisherKeyView {
  keyId: string;
  publisher: string;
  label: string;
  isPlatform: boolean;
  /** Base64 of the 32-byte ed25519 public key, to compare with what the publisher announced. */
  publicKey: string;
  addedAt: string;
}

export interface TrustedKeyView extends PublisherKeyView {
  /** True for platform keys, which every tenant trusts without a row of its own. */
  implicit: boolean;
  trustedAt: string | null;
}

/** A public key document as `penny-ext keys export` writes it. */
export interface PublicKeyDocument {
  type: 'penny-public-key';
  algorithm: 'ed25519';
  keyId?: string;
  name?: string;
  publicKey: string;
}

interface KeyRow {
  key_id: string;
  public_key: string;
  publisher: string;
  label: string;
  is_platform: boolean;
  added_at: Date;
  trusted_at?: Date | null;
}

const KEY_COLUMNS = 'pk.key_id, pk.public_key, pk.publisher, pk.label, pk.is_platform, pk.added_at';

function knownKey(row: KeyRow): KnownKey {
  // Verification recomputes the id from these bytes, so a wrong stored id can never lend trust.
  const publicKey = new Uint8Array(Buffer.from(row.public_key, 'base64'));
  return { algorithm: 'ed25519', keyId: row.key_id, publicKey, publisher: row.publisher, isPlatform: row.is_platform, ...(row.label ? { name: row.label } : {}) };
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function keyView(row: KeyRow): PublisherKeyView {
  return { keyId: row.key_id, publisher: row.publisher, label: row.label, isPlatform: row.is_platform, publicKey: row.public_key, addedAt: new Date(row.added_at).toISOString() };
}

@injectable()
export class PublisherKeys {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
  ) {}

  /** Registers a publisher's public key platform-wide (platform administrators). */
  register(input: { publisher: string; document: PublicKeyDocument }, actor: Actor): Promise<PublisherKeyView> {
    const context = { tenantId: null, actor, action: 'publisherKey.registerRefused', target: `publisher:${input.publisher}`, payload: { keyId: input.document.keyId ?? null } };
    return auditRefusals(this.audit, context, async () => {
      let key: PublicKey;
      try {
        key = importPublicKey(JSON.stringify(input.document));
      } catch (error) {
        throw new ValidationError(`The public key document is not usable: ${(error as Error).message}. Send the output of penny-ext keys export unchanged.`);
      }
      const row = await this.db.system(async (em) => {
        const [existing] = await em.execute<KeyRow[]>(`SELECT ${KEY_COLUMNS} FROM publisher_key pk WHERE pk.key_id = ?`, [key.keyId]);
        if (existing) throw new ConflictError(`The key ${key.keyId} is already registered for the publisher "${existing.publisher}"; a key belongs to one publisher.`);
        const [created] = await em.execute<KeyRow[]>(
          `INSERT INTO publisher_key AS pk (key_id, public_key, publisher, label, added_by) VALUES (?, ?, ?, ?, ?) RETURNING ${KEY_COLUMNS}`,
          [key.keyId, base64(key.publicKey), input.publisher, key.name ?? '', actor.id],
        );
        await this.audit.append(em, { tenantId: null, actorId: actor.id, actor: actor.label, action: 'publisherKey.registered', target: `key:${key.keyId}`, payload: { publisher: input.publisher }, ip: actor.ip ?? null });
        return created!;
      });
      return keyView(row);
    });
  }

  /** Records a platform key; idempotent, so every kernel sharing the database may call it at start. */
  async registerPlatformKey(key: PublicKey, publisher: string): Promise<void> {
    await this.db.system(async (em) => {
      const inserted = await em.execute(
        `INSERT INTO publisher_key (key_id, public_key, publisher, label, is_platform) VALUES (?, ?, ?, ?, true) ON CONFLICT (key_id) DO NOTHING RETURNING key_id`,
        [key.keyId, base64(key.publicKey), publisher, key.name ?? 'platform'],
      );
      if (inserted.length) await this.audit.append(em, { tenantId: null, actorId: null, actor: 'system', action: 'publisherKey.registered', target: `key:${key.keyId}`, payload: { publisher, platform: true } });
    });
  }

  async list(): Promise<PublisherKeyView[]> {
    return (await this.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM publisher_key pk ORDER BY pk.is_platform DESC, pk.publisher, pk.added_at`)).map(keyView);
  }

  /** Every registered key: what a published bundle must be signed with. */
  async all(): Promise<KnownKey[]> {
    return (await this.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM publisher_key pk`)).map(knownKey);
  }

  /** The keys the tenant of `em`'s transaction trusts (row-level security picks the tenant). */
  async trustedIn(em: EntityManager): Promise<KnownKey[]> {
    const rows = await em.execute<KeyRow[]>(
      `SELECT ${KEY_COLUMNS} FROM publisher_key pk WHERE pk.is_platform OR EXISTS (SELECT 1 FROM tenant_trusted_key t WHERE t.key_id = pk.key_id)`,
    );
    return rows.map(knownKey);
  }

  listTrusted(tenantId: string): Promise<TrustedKeyView[]> {
    return this.db.tenant(tenantId, async (em) => {
      const rows = await em.execute<KeyRow[]>(
        `SELECT ${KEY_COLUMNS}, t.added_at AS trusted_at FROM publisher_key pk LEFT JOIN tenant_trusted_key t ON t.key_id = pk.key_id
         WHERE pk.is_platform OR t.key_id IS NOT NULL ORDER BY pk.is_platform DESC, pk.publisher, pk.key_id`,
      );
      return rows.map((r) => ({ ...keyView(r), implicit: r.is_platform, trustedAt: r.trusted_at ? new Date(r.trusted_at).toISOString() : null }));
    });
  }

  trust(tenantId: string, keyId: string, actor: Actor): Promise<TrustedKeyView> {
    const context = { tenantId, actor, action: 'publisherKey.trustRefused', target: `key:${keyId}` };
    return auditRefusals(this.audit, context, async () => {
      await this.db.tenant(tenantId, async (em) => {
        const [key] = await em.execute<KeyRow[]>(`SELECT ${KEY_COLUMNS} FROM publisher_key pk WHERE pk.key_id = ?`, [keyId]);
        if (!key) throw new NotFoundError(`No publisher key ${keyId} is registered on this platform; ask a platform administrator to register the publisher's public key first.`);
        if (key.is_platform) throw new ConflictError(`The key ${keyId} is a platform key, which every tenant trusts already.`);
        const inserted = await em.execute(`INSERT INTO tenant_trusted_key (tenant_id, key_id, added_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING key_id`, [tenantId, keyId, actor.id]);
        if (!inserted.length) throw new ConflictError(`This tenant already trusts the key ${keyId}.`);
        await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'publisherKey.trusted', target: `key:${keyId}`, payload: { publisher: key.publisher }, ip: actor.ip ?? null });
      });
      const trusted = (await this.listTrusted(tenantId)).find((k) => k.keyId === keyId);
      if (!trusted) throw new NotFoundError(`The key ${keyId} is not trusted by this tenant.`);
      return trusted;
    });
  }

  /**
   * Stops trusting a key. Installed extensions signed with it are disabled at once: their bundles
   * no longer verify for this tenant, and an admin re-enables them after trusting the key again.
   */
  distrust(tenantId: string, keyId: string, actor: Actor): Promise<{ disabled: string[] }> {
    const context = { tenantId, actor, action: 'publisherKey.distrustRefused', target: `key:${keyId}` };
    return auditRefusals(this.audit, context, async () => {
      const reason = `the publisher key ${keyId} is no longer trusted by this tenant`;
      const disabled = await this.db.tenant(tenantId, async (em) => {
        const [key] = await em.execute<KeyRow[]>(`SELECT ${KEY_COLUMNS} FROM publisher_key pk WHERE pk.key_id = ?`, [keyId]);
        if (key?.is_platform) throw new ConflictError(`The key ${keyId} is a platform key: it signs the built-in extensions and every tenant trusts it.`);
        const removed = await em.execute(`DELETE FROM tenant_trusted_key WHERE key_id = ? RETURNING key_id`, [keyId]);
        if (!removed.length) throw new NotFoundError(`This tenant does not trust the key ${keyId}.`);
        await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'publisherKey.distrusted', target: `key:${keyId}`, ip: actor.ip ?? null });
        const rows = await em.execute<{ extension_id: string }[]>(
          `UPDATE extension_installation i SET enabled = false, disabled_reason = ?, updated_at = now()
           FROM extension_bundle b WHERE b.id = i.bundle_id AND b.key_id = ? AND i.enabled RETURNING i.extension_id`,
          [reason, keyId],
        );
        for (const { extension_id } of rows) {
          await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.disabled', target: `extension:${extension_id}`, payload: { reason }, ip: actor.ip ?? null });
        }
        return rows.map((r) => r.extension_id);
      });
      for (const extensionId of disabled) this.bus.emit('extension.disabled', { tenantId, extensionId, reason });
      return { disabled };
    });
  }
}
