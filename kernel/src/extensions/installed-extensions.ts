// What each tenant has installed, read from `extension_installation` (written by the marketplace),
// and the code of an installed extension, taken from its signed bundle in the catalog. Manifests
// are data: everything here is known without running extension code.
import { inject, injectable } from 'inversify';
import { unpack, sha256Hex } from '@penny/marketplace';
import type { ExtensionManifest, GrantedPermissions, JsonValue } from '@penny/manifests';
import { NotFoundError } from '../core/errors.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Database } from '../database/database.service.ts';

export interface InstalledExtension {
  extensionId: string;
  version: string;
  manifest: ExtensionManifest;
  permissions: GrantedPermissions;
  enabled: boolean;
  disabledReason: string | null;
  bundleId: string;
  bundleSha256: string;
  installedAt: string;
  /** The tenant's settings for it (see `contributes.configuration`). */
  configuration: Record<string, JsonValue>;
}

interface InstallationRow {
  extension_id: string;
  version: string;
  manifest: ExtensionManifest;
  granted_permissions: Partial<GrantedPermissions> | null;
  enabled: boolean;
  disabled_reason: string | null;
  bundle_id: string;
  sha256: string;
  installed_at: Date;
  configuration: Record<string, JsonValue> | null;
}

/** Every event after which a tenant's view of its installed extensions is stale. */
export const INSTALLATION_EVENTS = ['extension.installed', 'extension.updated', 'extension.uninstalled', 'extension.enabled', 'extension.disabled', 'extension.configured'] as const;

@injectable()
export class InstalledExtensions {
  private readonly byTenant = new Map<string, Promise<InstalledExtension[]>>();
  private readonly sources = new Map<string, string>();

  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
  ) {
    // Any change to a tenant's installations (on this kernel or another) drops its cached view.
    // An uninstalled extension leaves nothing behind: its storage and secrets go with it.
    bus.on('extension.uninstalled', (p) => void this.forget(p.tenantId, p.extensionId).catch(() => undefined));
    for (const event of INSTALLATION_EVENTS) {
      bus.on(event, (payload) => this.invalidate(payload.tenantId));
    }
  }

  private async forget(tenantId: string, extensionId: string): Promise<void> {
    this.invalidate(tenantId);
    // Reinstalled in the meantime (another instance, or a quick reinstall): keep its data.
    if ((await this.list(tenantId)).some((e) => e.extensionId === extensionId)) return;
    await this.db.tenant(tenantId, async (em) => {
      await em.execute(`DELETE FROM extension_storage WHERE extension_id = ?`, [extensionId]);
      await em.execute(`DELETE FROM extension_secret WHERE extension_id = ?`, [extensionId]);
    });
  }

  invalidate(tenantId: string): void {
    this.byTenant.delete(tenantId);
  }

  list(tenantId: string): Promise<InstalledExtension[]> {
    let cached = this.byTenant.get(tenantId);
    if (!cached) {
      cached = this.load(tenantId);
      this.byTenant.set(tenantId, cached);
      cached.catch(() => this.byTenant.delete(tenantId));
    }
    return cached;
  }

  async enabled(tenantId: string): Promise<InstalledExtension[]> {
    return (await this.list(tenantId)).filter((e) => e.enabled);
  }

  async get(tenantId: string, extensionId: string): Promise<InstalledExtension> {
    const found = (await this.list(tenantId)).find((e) => e.extensionId === extensionId);
    if (!found) throw new NotFoundError(`Extension ${extensionId} is not installed in this tenant.`);
    return found;
  }

  private async load(tenantId: string): Promise<InstalledExtension[]> {
    const rows = await this.db.tenant(tenantId, (em) =>
      em.execute<InstallationRow[]>(
        `SELECT i.extension_id, i.version, i.manifest, i.granted_permissions, i.enabled, i.disabled_reason, i.bundle_id, b.sha256, i.installed_at, i.configuration
         FROM extension_installation i JOIN extension_bundle b ON b.id = i.bundle_id ORDER BY i.extension_id`,
      ),
    );
    return rows.map((r) => ({
      extensionId: r.extension_id,
      version: r.version,
      manifest: r.manifest,
      permissions: { network: r.granted_permissions?.network ?? [], secrets: r.granted_permissions?.secrets ?? [], datasources: r.granted_permissions?.datasources ?? [] },
      enabled: r.enabled,
      disabledReason: r.disabled_reason,
      bundleId: r.bundle_id,
      bundleSha256: r.sha256,
      installedAt: new Date(r.installed_at).toISOString(),
      configuration: r.configuration ?? {},
    }));
  }

  /**
   * The text of the extension's `main` bundle. The bytes come from the catalog and must still hash
   * to the digest recorded when the bundle was verified and published.
   */
  async mainSource(installed: InstalledExtension): Promise<string> {
    const cached = this.sources.get(installed.bundleSha256);
    if (cached !== undefined) return cached;
    const [row] = await this.db.query<{ bytes: Buffer }>(`SELECT bytes FROM extension_bundle WHERE id = ?`, [installed.bundleId]);
    if (!row) throw new NotFoundError(`The bundle of ${installed.extensionId} ${installed.version} is missing from the catalog.`);
    const bytes = Buffer.from(row.bytes);
    if (sha256Hex(bytes) !== installed.bundleSha256) throw new Error(`bundle of ${installed.extensionId} does not match its recorded digest`);
    const bundle = unpack(bytes);
    const main = installed.manifest.main?.replace(/^\.\//, '');
    const file = main ? bundle.files.find((f) => f.path === main) : undefined;
    if (!file) throw new NotFoundError(`${installed.extensionId} has no main file to run.`);
    const source = Buffer.from(file.bytes).toString('utf8');
    this.sources.set(installed.bundleSha256, source);
    return source;
  }

  /** Turns an extension off for a tenant (e.g. after it kept crashing), audited and announced. */
  async disable(tenantId: string, extensionId: string, reason: string, actor: { id: string | null; label: string }): Promise<void> {
    const changed = await this.db.tenant(tenantId, async (em) => {
      const rows = await em.execute(
        `UPDATE extension_installation SET enabled = false, disabled_reason = ?, updated_at = now() WHERE extension_id = ? AND enabled RETURNING extension_id`,
        [reason, extensionId],
      );
      if (rows.length) {
        await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.disabled', target: `extension:${extensionId}`, outcome: 'success', payload: { reason } });
      }
      return rows.length > 0;
    });
    this.invalidate(tenantId);
    if (changed) this.bus.emit('extension.disabled', { tenantId, extensionId, reason });
  }
}
