// The platform-wide catalog of signed bundles. A bundle enters only after it verifies against a
// registered publisher key that belongs to the manifest's publisher, its manifest validates and its
// engine range includes this kernel; a published version is immutable.
import { inject, injectable } from 'inversify';
import { sha256Hex, verifyExtensionBundle } from '@penny/marketplace';
import { extensionId as idOf, type ExtensionManifest } from '@penny/manifests';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { KERNEL_VERSION } from '../core/version.ts';
import { Database } from '../database/database.service.ts';
import { MarketplaceConfig } from './marketplace.config.ts';
import { auditRefusals, BundleRejectedError } from './marketplace.errors.ts';
import { compareVersions, contributionsOf, declaredPermissions, type Actor, type ContributionSummary, type PermissionSet } from './marketplace.types.ts';
import { PublisherKeys } from './publisher-keys.service.ts';

export interface CatalogVersionView {
  extensionId: string;
  version: string;
  publisher: string;
  name: string;
  displayName: string;
  description: string;
  engines: string;
  keyId: string;
  sha256: string;
  size: number;
  publishedAt: string;
  permissions: PermissionSet;
  contributions: ContributionSummary;
  /** Whether the asking tenant trusts the key that signed this version (true outside a tenant). */
  trusted: boolean;
}

export interface CatalogExtensionView extends CatalogVersionView {
  /** Every published version, newest first; the other fields describe the newest. */
  versions: string[];
  installedVersion: string | null;
}

export type PublishSource = 'upload' | 'mirror' | 'builtin';

export interface PublishOutcome {
  /** `unchanged`: these exact bytes were already in the catalog (offline mirrors, built-ins). */
  status: 'published' | 'unchanged';
  bundle: CatalogVersionView;
}

export interface BundleRow {
  id: string;
  extension_id: string;
  version: string;
  sha256: string;
  key_id: string;
  manifest: ExtensionManifest;
  size: number;
  published_at: Date;
}

const BUNDLE_COLUMNS = 'id, extension_id, version, sha256, key_id, manifest, size, published_at';

export function versionView(row: BundleRow, trusted: boolean): CatalogVersionView {
  const m = row.manifest;
  return {
    extensionId: row.extension_id,
    version: row.version,
    publisher: m.publisher,
    name: m.name,
    displayName: m.displayName ?? m.name,
    description: m.description ?? '',
    engines: m.engines.penny,
    keyId: row.key_id,
    sha256: row.sha256,
    size: Number(row.size),
    publishedAt: new Date(row.published_at).toISOString(),
    permissions: declaredPermissions(m),
    contributions: contributionsOf(m),
    trusted,
  };
}

const newestFirst = (a: BundleRow, b: BundleRow) => compareVersions(b.version, a.version);

@injectable()
export class Catalog {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(PublisherKeys) private readonly keys: PublisherKeys,
    @inject(MarketplaceConfig) private readonly config: MarketplaceConfig,
  ) {}

  /** Verifies and stores a signed bundle. `unchanged` is only possible when `idempotent` is set. */
  publish(bytes: Uint8Array, actor: Actor, options: { source: PublishSource; file?: string; idempotent?: boolean }): Promise<PublishOutcome> {
    const sha256 = sha256Hex(bytes);
    const context = { tenantId: null, actor, action: 'extension.publishRefused', target: `bundle:${sha256}`, payload: { source: options.source, file: options.file ?? null, size: bytes.length } };
    return auditRefusals(this.audit, context, async () => {
      const keys = await this.keys.all();
      const result = verifyExtensionBundle(bytes, { trustedKeys: keys, engineVersion: KERNEL_VERSION, limits: { maxTotalBytes: this.config.maxBundleBytes } });
      if (!result.ok) {
        if (result.code === 'untrusted_key') {
          throw new BundleRejectedError(
            'unknown_key',
            `The bundle is signed with the key ${result.keyId}, which is not registered on this platform. A platform administrator registers the publisher's public key (penny-ext keys export) with POST /v1/marketplace/keys; then publish again.`,
            result,
          );
        }
        throw BundleRejectedError.fromVerification(result, 'The bundle');
      }
      const manifest = result.manifest;
      const id = idOf(manifest);
      context.target = `extension:${id}@${manifest.version}`;
      const key = keys.find((k) => k.keyId === result.keyId)!;
      if (key.publisher !== manifest.publisher) {
        throw new BundleRejectedError(
          'publisher_mismatch',
          `The bundle ${id}@${manifest.version} is signed with a key registered for the publisher "${key.publisher}", not "${manifest.publisher}"; a key may only sign its own publisher's extensions.`,
          { keyId: key.keyId },
        );
      }
      const stored = await this.db.system(async (em) => {
        const [inserted] = await em.execute<BundleRow[]>(
          `INSERT INTO extension_bundle (extension_id, version, sha256, key_id, manifest, bytes, size, published_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ${BUNDLE_COLUMNS}`,
          [id, manifest.version, sha256, key.keyId, JSON.stringify(manifest), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.length, actor.id],
        );
        if (inserted) {
          const payload = { sha256, keyId: key.keyId, source: options.source, file: options.file ?? null };
          await this.audit.append(em, { tenantId: null, actorId: actor.id, actor: actor.label, action: 'extension.published', target: `extension:${id}@${manifest.version}`, payload, ip: actor.ip ?? null });
          return { status: 'published' as const, row: inserted };
        }
        const [existing] = await em.execute<BundleRow[]>(`SELECT ${BUNDLE_COLUMNS} FROM extension_bundle WHERE extension_id = ? AND version = ?`, [id, manifest.version]);
        if (existing && existing.sha256 === sha256 && options.idempotent) return { status: 'unchanged' as const, row: existing };
        throw new ConflictError(
          existing && existing.sha256 === sha256
            ? `${id}@${manifest.version} is already in the catalog with these exact bytes.`
            : `${id}@${manifest.version} is already published with different contents; published versions never change, so raise the version and publish again.`,
        );
      });
      if (stored.status === 'published') this.bus.emit('extension.published', { extensionId: id, version: manifest.version, bundleId: stored.row.id });
      return { status: stored.status, bundle: versionView(stored.row, true) };
    });
  }

  /** An upload over the size limit, refused without looking inside, and audited like any refusal. */
  refuseOversized(size: number, actor: Actor): Promise<never> {
    const context = { tenantId: null, actor, action: 'extension.publishRefused', target: 'bundle:oversized', payload: { source: 'upload', size } };
    return auditRefusals(this.audit, context, async () => {
      throw new BundleRejectedError('too_large', `The upload is ${size} bytes, over the ${this.config.maxBundleBytes}-byte bundle limit; make the bundle smaller (minify, drop source maps and unused assets).`);
    });
  }

  /** The catalog as one tenant sees it: newest version of each extension, trust and install state. */
  list(tenantId: string, query: { q?: string }): Promise<CatalogExtensionView[]> {
    return this.db.tenant(tenantId, async (em) => {
      const params: unknown[] = [];
      let where = '';
      if (query.q?.trim()) {
        const like = `%${query.q.trim().replace(/[\\%_]/g, '\\$&')}%`;
        where = `WHERE extension_id ILIKE ? OR manifest->>'displayName' ILIKE ? OR manifest->>'description' ILIKE ?`;
        params.push(like, like, like);
      }
      const rows = await em.execute<BundleRow[]>(`SELECT ${BUNDLE_COLUMNS} FROM extension_bundle ${where}`, params);
      const trusted = new Set((await this.keys.trustedIn(em)).map((k) => k.keyId));
      const installed = new Map(
        (await em.execute<{ extension_id: string; version: string }[]>(`SELECT extension_id, version FROM extension_installation`)).map((r) => [r.extension_id, r.version]),
      );
      const byExtension = new Map<string, BundleRow[]>();
      for (const row of rows) byExtension.set(row.extension_id, [...(byExtension.get(row.extension_id) ?? []), row]);
      return [...byExtension.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, versions]) => {
          const sorted = versions.sort(newestFirst);
          const latest = sorted[0]!;
          return { ...versionView(latest, trusted.has(latest.key_id)), versions: sorted.map((v) => v.version), installedVersion: installed.get(id) ?? null };
        });
    });
  }

  versions(tenantId: string, extensionId: string): Promise<CatalogVersionView[]> {
    return this.db.tenant(tenantId, async (em) => {
      const rows = await em.execute<BundleRow[]>(`SELECT ${BUNDLE_COLUMNS} FROM extension_bundle WHERE extension_id = ?`, [extensionId]);
      if (!rows.length) throw new NotFoundError(`No extension ${extensionId} in the catalog; search it with GET /v1/marketplace/extensions?q=…`);
      const trusted = new Set((await this.keys.trustedIn(em)).map((k) => k.keyId));
      return rows.sort(newestFirst).map((row) => versionView(row, trusted.has(row.key_id)));
    });
  }

  /** A catalog entry by version, or the newest one; with its bytes, read as the owner (tenants cannot). */
  async find(extensionId: string, version?: string): Promise<{ row: BundleRow; bytes: Uint8Array }> {
    const rows = await this.db.query<BundleRow>(`SELECT ${BUNDLE_COLUMNS} FROM extension_bundle WHERE extension_id = ?`, [extensionId]);
    if (!rows.length) throw new NotFoundError(`No extension ${extensionId} in the catalog; search it with GET /v1/marketplace/extensions?q=…`);
    const row = version === undefined ? rows.sort(newestFirst)[0]! : rows.find((r) => r.version === version);
    if (!row) throw new NotFoundError(`${extensionId} has no version ${version}; published: ${rows.sort(newestFirst).map((r) => r.version).join(', ')}.`);
    const [data] = await this.db.query<{ bytes: Buffer }>(`SELECT bytes FROM extension_bundle WHERE id = ?`, [row.id]);
    if (!data) throw new NotFoundError(`The bundle of ${extensionId}@${row.version} is missing from the catalog.`);
    return { row, bytes: new Uint8Array(data.bytes) };
  }

  /** The newest published version of each extension, for update hints. */
  async latestVersions(): Promise<Map<string, BundleRow>> {
    const rows = await this.db.query<BundleRow>(`SELECT ${BUNDLE_COLUMNS} FROM extension_bundle`);
    const latest = new Map<string, BundleRow>();
    for (const row of rows) {
      const current = latest.get(row.extension_id);
      if (!current || compareVersions(row.version, current.version) > 0) latest.set(row.extension_id, row);
    }
    return latest;
  }
}
