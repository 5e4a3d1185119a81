// Share links to one artifact version: `tenant` links open only for signed-in members who may read
// artifacts; `public` links open for anyone holding the token until they expire or are revoked.
import { inject, injectable } from 'inversify';
import { createHash, randomBytes } from 'node:crypto';
import { AuditLog } from '../audit/audit.service.ts';
import { ForbiddenError, GoneError, NotFoundError, ValidationError } from '../core/errors.ts';
import { Database, type EntityManager } from '../database/database.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { ArtifactsService, type ArtifactVersionView } from './artifacts.service.ts';

export type ShareScope = 'tenant' | 'public';

export interface ShareView {
  id: string;
  artifactId: string;
  scope: ShareScope;
  version: number;
  /** Tenant links: the workbench path. Public links: the path with the token, shown at creation only. */
  url: string | null;
  expiresAt: string | null;
  expired: boolean;
  createdAt: string;
  createdBy: string | null;
}

export interface CreateShareInput {
  scope: ShareScope;
  version?: number;
  expiresInHours?: number;
}

/** What a public link shows: that one version, nothing else of the tenant (no lineage, no ids). */
export interface PublicShareView {
  title: string;
  mimeType: string;
  version: number;
  size: number;
  sha256: string;
  createdAt: string;
  expiresAt: string;
  contentUrl: string;
}

export const PUBLIC_SHARE_DEFAULT_HOURS = 24;
export const PUBLIC_SHARE_MAX_HOURS = 30 * 24;
export const TENANT_SHARE_MAX_HOURS = 365 * 24;
const TOKEN_PREFIX = 'penny_shr_';
/** 32 random bytes: far beyond guessing, and only their hash is stored. */
const TOKEN_PATTERN = /^penny_shr_[A-Za-z0-9_-]{43}$/;

interface ShareRow {
  id: string;
  tenant_id: string;
  artifact_id: string;
  version: number;
  scope: ShareScope;
  expires_at: Date | null;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
export const tenantShareUrl = (artifactId: string, version: number) => `/artifacts/${artifactId}?version=${version}`;
export const publicShareUrl = (token: string) => `/v1/shared/${token}`;

@injectable()
export class ArtifactShares {
  /** The time source for expiry checks (milliseconds); tests move it forward instead of sleeping. */
  now: () => number = () => Date.now();

  constructor(
    @inject(Database) private readonly db: Database,
    @inject(ArtifactsService) private readonly artifacts: ArtifactsService,
    @inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  private view(row: ShareRow, url: string | null): ShareView {
    return {
      id: row.id,
      artifactId: row.artifact_id,
      scope: row.scope,
      version: row.version,
      url: row.scope === 'tenant' ? tenantShareUrl(row.artifact_id, row.version) : url,
      expiresAt: iso(row.expires_at),
      expired: row.expires_at !== null && new Date(row.expires_at).getTime() <= this.now(),
      createdAt: iso(row.created_at)!,
      createdBy: row.created_by,
    };
  }

  private async requireArtifact(em: EntityManager, artifactId: string): Promise<number> {
    const [artifact] = await em.execute<{ latest_version: number }[]>(`SELECT latest_version FROM artifact WHERE id = ?`, [artifactId]);
    if (!artifact) throw new NotFoundError(`No artifact ${artifactId} in this tenant.`);
    return artifact.latest_version;
  }

  private expiry(input: CreateShareInput): Date | null {
    const hours = input.scope === 'public' ? (input.expiresInHours ?? PUBLIC_SHARE_DEFAULT_HOURS) : input.expiresInHours;
    if (hours === undefined) return null;
    const max = input.scope === 'public' ? PUBLIC_SHARE_MAX_HOURS : TENANT_SHARE_MAX_HOURS;
    if (!(hours > 0) || hours > max) {
      const message = `must be more than 0 and at most ${max} hours for a ${input.scope} link`;
      throw new ValidationError(`body.expiresInHours ${message}`, [{ path: 'body.expiresInHours', message }]);
    }
    return new Date(this.now() + hours * 3_600_000);
  }

  /** Public links need `artifacts.write` and a tenant that allows them (`settings.allowPublicShares`, default true). */
  async create(tenant: TenantContext, actor: Principal, artifactId: string, input: CreateShareInput, ip: string): Promise<ShareView> {
    if (input.scope === 'public' && !tenant.permissions.has('artifacts.write')) {
      throw new ForbiddenError(`Your role "${tenant.role}" may not create public links; it needs the permission "artifacts.write".`);
    }
    const expiresAt = this.expiry(input);
    const token = input.scope === 'public' ? TOKEN_PREFIX + randomBytes(32).toString('base64url') : null;
    return this.db.tenant(tenant.tenantId, async (em) => {
      if (input.scope === 'public') {
        const [t] = await em.execute<{ denied: boolean }[]>(`SELECT coalesce(settings->>'allowPublicShares' = 'false', false) AS denied FROM tenant`);
        if (t?.denied) throw new ForbiddenError('This tenant does not allow public links (settings.allowPublicShares is false); an admin can change that.');
      }
      const latest = await this.requireArtifact(em, artifactId);
      const version = input.version ?? latest;
      const [exists] = await em.execute(`SELECT 1 FROM artifact_version WHERE artifact_id = ? AND version = ?`, [artifactId, version]);
      if (!exists) throw new NotFoundError(`Artifact ${artifactId} has no version ${version}.`);
      const [row] = await em.execute<ShareRow[]>(
        `INSERT INTO artifact_share (tenant_id, artifact_id, version, scope, token_hash, expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [tenant.tenantId, artifactId, version, input.scope, token ? hashToken(token) : null, expiresAt, actor.userId],
      );
      await this.audit.append(em, {
        tenantId: tenant.tenantId,
        actorId: actor.userId,
        actor: actor.email,
        action: 'artifact.shared',
        target: `artifact:${artifactId}`,
        payload: { shareId: row!.id, scope: input.scope, version, expiresAt: iso(expiresAt) },
        ip,
      });
      return this.view(row!, token ? publicShareUrl(token) : null);
    });
  }

  /** Links of an artifact that were not revoked (expired ones included, marked), oldest first. */
  list(tenant: TenantContext, artifactId: string): Promise<ShareView[]> {
    return this.db.tenant(tenant.tenantId, async (em) => {
      await this.requireArtifact(em, artifactId);
      const rows = await em.execute<ShareRow[]>(`SELECT * FROM artifact_share WHERE artifact_id = ? AND revoked_at IS NULL ORDER BY created_at, id`, [artifactId]);
      return rows.map((r) => this.view(r, null));
    });
  }

  /** Opens a tenant's link: 404 when unknown here (another tenant's look the same) or revoked, 410 when expired. */
  async open(tenant: TenantContext, artifactId: string, shareId: string): Promise<{ share: ShareView; artifact: ArtifactVersionView }> {
    const [row] = await this.db.tenant(tenant.tenantId, (em) =>
      em.execute<ShareRow[]>(`SELECT * FROM artifact_share WHERE id = ? AND artifact_id = ? AND revoked_at IS NULL`, [shareId, artifactId]),
    );
    if (!row) throw new NotFoundError(`No share link ${shareId} for artifact ${artifactId} in this tenant (it may have been revoked).`);
    const share = this.view(row, null);
    if (share.expired) throw new GoneError(`This share link expired at ${share.expiresAt}; ask for a new one.`);
    const { meta } = await this.artifacts.content(tenant.tenantId, artifactId, row.version);
    return { share, artifact: meta };
  }

  /** The creator may revoke their own link; revoking someone else's needs `artifacts.write`. */
  async revoke(tenant: TenantContext, actor: Principal, artifactId: string, shareId: string, ip: string): Promise<void> {
    await this.db.tenant(tenant.tenantId, async (em) => {
      const [row] = await em.execute<ShareRow[]>(`SELECT * FROM artifact_share WHERE id = ? AND artifact_id = ? AND revoked_at IS NULL FOR UPDATE`, [shareId, artifactId]);
      if (!row) throw new NotFoundError(`No share link ${shareId} for artifact ${artifactId} in this tenant (it may have been revoked already).`);
      if (row.created_by !== actor.userId && !tenant.permissions.has('artifacts.write')) {
        throw new ForbiddenError('Only the member who created this link, or someone with "artifacts.write", may revoke it.');
      }
      await em.execute(`UPDATE artifact_share SET revoked_at = now(), revoked_by = ? WHERE id = ?`, [actor.userId, shareId]);
      await this.audit.append(em, {
        tenantId: tenant.tenantId,
        actorId: actor.userId,
        actor: actor.email,
        action: 'artifact.shareRevoked',
        target: `artifact:${artifactId}`,
        payload: { shareId, scope: row.scope, version: row.version },
        ip,
      });
    });
  }

  /**
   * Resolves a public token. Lookup is by hash across tenants; a token that is malformed, unknown,
   * revoked or of a tenant that no longer allows public links answers the same 404; only an
   * expired link says so.
   */
  private async resolvePublic(token: string): Promise<ShareRow> {
    const missing = new NotFoundError('This shared link does not exist or was revoked.');
    if (!TOKEN_PATTERN.test(token)) throw missing;
    // A tenant that turned public links off stops its existing ones too.
    const [row] = await this.db.query<ShareRow & { denied: boolean }>(
      `SELECT s.*, coalesce(t.settings->>'allowPublicShares' = 'false', false) AS denied
       FROM artifact_share s JOIN tenant t ON t.id = s.tenant_id WHERE s.token_hash = ? AND s.scope = 'public'`,
      [hashToken(token)],
    );
    if (!row || row.revoked_at || row.denied) throw missing;
    if (new Date(row.expires_at!).getTime() <= this.now()) throw new GoneError(`This shared link expired at ${iso(row.expires_at)}.`);
    return row;
  }

  async publicMeta(token: string): Promise<PublicShareView> {
    const row = await this.resolvePublic(token);
    const { meta } = await this.artifacts.content(row.tenant_id, row.artifact_id, row.version);
    return {
      title: meta.title,
      mimeType: meta.mimeType,
      version: meta.version,
      size: meta.size,
      sha256: meta.sha256,
      createdAt: meta.createdAt,
      expiresAt: iso(row.expires_at)!,
      contentUrl: `${publicShareUrl(token)}/content`,
    };
  }

  async publicContent(token: string): Promise<{ meta: ArtifactVersionView; bytes: Buffer }> {
    const row = await this.resolvePublic(token);
    return this.artifacts.content(row.tenant_id, row.artifact_id, row.version);
  }
}
