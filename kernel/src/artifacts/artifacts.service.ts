// The artifact registry: tool results and published documents as immutable versions with lineage
// (tool, run, message, conversation, parent version); contents in the object store.
import { inject, injectable } from 'inversify';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ArtifactDraft } from '@penny/manifests';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors.ts';
import { Database, type EntityManager } from '../database/database.service.ts';
import { ObjectStore } from './object-store.ts';

export interface ArtifactLineage {
  tool?: string;
  extensionId?: string;
  runId?: string;
  callId?: string;
  messageId?: string;
  conversationId?: string;
  parentVersion?: number;
}

export interface ArtifactVersionView {
  artifactId: string;
  version: number;
  title: string;
  mimeType: string;
  encoding: 'json' | 'text' | 'base64';
  size: number;
  sha256: string;
  lineage: ArtifactLineage;
  createdAt: string;
}

interface VersionRow {
  artifact_id: string;
  version: number;
  title: string;
  mime_type: string;
  encoding: 'json' | 'text' | 'base64';
  size: number;
  sha256: string;
  storage_key: string;
  lineage: ArtifactLineage;
  created_at: Date;
}

const view = (r: VersionRow): ArtifactVersionView => ({
  artifactId: r.artifact_id,
  version: r.version,
  title: r.title,
  mimeType: r.mime_type,
  encoding: r.encoding,
  size: r.size,
  sha256: r.sha256,
  lineage: r.lineage,
  createdAt: new Date(r.created_at).toISOString(),
});

export const MAX_ARTIFACT_BYTES = 25 * 1024 * 1024;
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

function encode(draft: ArtifactDraft): Buffer {
  const encoding = draft.encoding ?? 'json';
  if (encoding === 'json') return Buffer.from(JSON.stringify(draft.data));
  if (typeof draft.data !== 'string') throw new ValidationError(`artifact "${draft.title}" with encoding ${encoding} needs string data`);
  return encoding === 'base64' ? Buffer.from(draft.data, 'base64') : Buffer.from(draft.data, 'utf8');
}

@injectable()
export class ArtifactsService {
  /** Signs short-lived content URLs; a fresh key per process is enough for links that live minutes. */
  private readonly urlKey = randomBytes(32);

  constructor(
    @inject(Database) private readonly db: Database,
    @inject(ObjectStore) private readonly store: ObjectStore,
  ) {}

  private async prepare(tenantId: string, draft: ArtifactDraft) {
    if (!MIME.test(draft.mimeType)) throw new ValidationError(`artifact mime type "${draft.mimeType}" is not valid`);
    const bytes = encode(draft);
    if (bytes.length > MAX_ARTIFACT_BYTES) throw new ValidationError(`artifact "${draft.title}" is ${bytes.length} bytes, over ${MAX_ARTIFACT_BYTES}`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = `${tenantId}/${sha256.slice(0, 2)}/${sha256}`;
    await this.store.put(key, bytes);
    return { bytes, sha256, key, encoding: draft.encoding ?? 'json' };
  }

  /** Stores the content first, then records the artifact inside the caller's transaction. */
  async create(tenantId: string, draft: ArtifactDraft, lineage: ArtifactLineage, createdBy: string | null, em?: EntityManager): Promise<ArtifactVersionView> {
    const stored = await this.prepare(tenantId, draft);
    const write = async (tx: EntityManager) => {
      const [artifact] = await tx.execute<{ id: string }[]>(
        `INSERT INTO artifact (tenant_id, conversation_id, title, mime_type, created_by) VALUES (?, ?, ?, ?, ?) RETURNING id`,
        [tenantId, lineage.conversationId ?? null, draft.title, draft.mimeType, createdBy],
      );
      const [row] = await tx.execute<VersionRow[]>(
        `INSERT INTO artifact_version (tenant_id, artifact_id, version, mime_type, title, encoding, size, sha256, storage_key, lineage)
         VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?::jsonb) RETURNING *`,
        [tenantId, artifact!.id, draft.mimeType, draft.title, stored.encoding, stored.bytes.length, stored.sha256, stored.key, JSON.stringify(lineage)],
      );
      return view(row!);
    };
    return em ? write(em) : this.db.tenant(tenantId, write);
  }

  /** A change is a new version; earlier versions stay as they were. */
  async addVersion(tenantId: string, artifactId: string, draft: ArtifactDraft, lineage: ArtifactLineage): Promise<ArtifactVersionView> {
    const stored = await this.prepare(tenantId, draft);
    return this.db.tenant(tenantId, async (em) => {
      const [current] = await em.execute<{ latest_version: number }[]>(`SELECT latest_version FROM artifact WHERE id = ? FOR UPDATE`, [artifactId]);
      if (!current) throw new NotFoundError(`No artifact ${artifactId}.`);
      const version = current.latest_version + 1;
      const [row] = await em.execute<VersionRow[]>(
        `INSERT INTO artifact_version (tenant_id, artifact_id, version, mime_type, title, encoding, size, sha256, storage_key, lineage)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) RETURNING *`,
        [tenantId, artifactId, version, draft.mimeType, draft.title, stored.encoding, stored.bytes.length, stored.sha256, stored.key, JSON.stringify({ ...lineage, parentVersion: current.latest_version })],
      );
      await em.execute(`UPDATE artifact SET latest_version = ?, title = ? WHERE id = ?`, [version, draft.title, artifactId]);
      return view(row!);
    });
  }

  async versions(tenantId: string, artifactId: string): Promise<ArtifactVersionView[]> {
    const rows = await this.db.tenant(tenantId, (em) => em.execute<VersionRow[]>(`SELECT * FROM artifact_version WHERE artifact_id = ? ORDER BY version`, [artifactId]));
    if (!rows.length) throw new NotFoundError(`No artifact ${artifactId} in this tenant.`);
    return rows.map(view);
  }

  async content(tenantId: string, artifactId: string, version?: number): Promise<{ meta: ArtifactVersionView; bytes: Buffer }> {
    const rows = await this.db.tenant(tenantId, (em) =>
      em.execute<VersionRow[]>(
        version === undefined
          ? `SELECT * FROM artifact_version WHERE artifact_id = ? ORDER BY version DESC LIMIT 1`
          : `SELECT * FROM artifact_version WHERE artifact_id = ? AND version = ?`,
        version === undefined ? [artifactId] : [artifactId, version],
      ),
    );
    if (!rows[0]) throw new NotFoundError(`No artifact ${artifactId}${version ? ` version ${version}` : ''} in this tenant.`);
    return { meta: view(rows[0]), bytes: await this.store.get(rows[0].storage_key) };
  }

  /** A URL token valid for `ttlMs`, naming tenant, artifact and version. */
  signContentUrl(tenantId: string, artifactId: string, version: number, ttlMs = 5 * 60_000): { token: string; expiresAt: string } {
    const expires = Date.now() + ttlMs;
    const body = `${tenantId}.${artifactId}.${version}.${expires}`;
    const mac = createHmac('sha256', this.urlKey).update(body).digest('base64url');
    return { token: `${Buffer.from(body).toString('base64url')}.${mac}`, expiresAt: new Date(expires).toISOString() };
  }

  verifyContentUrl(token: string): { tenantId: string; artifactId: string; version: number } {
    const [body64, mac] = token.split('.');
    const body = Buffer.from(body64 ?? '', 'base64url').toString();
    const expected = createHmac('sha256', this.urlKey).update(body).digest();
    const given = Buffer.from(mac ?? '', 'base64url');
    const [tenantId, artifactId, version, expires] = body.split('.');
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || !tenantId || !artifactId || Number(expires) < Date.now()) {
      throw new ForbiddenError('This content link is invalid or has expired; ask for a new one.');
    }
    return { tenantId, artifactId, version: Number(version) };
  }
}
