// A tenant's installed extensions: install with permission review, update (a new acceptance when
// it asks for more), explicit rollback, enable/disable and uninstall. Every change and every refusal
// is audited in the tenant's chain; changes are announced on the bus for the contribution registry.
import { inject, injectable } from 'inversify';
import { comparePermissions, isDowngrade, type PermissionSet } from '@penny/marketplace';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { Database, type EntityManager } from '../database/database.service.ts';
import { Catalog } from './catalog.service.ts';
import { InstallReview, INSTALLATION_SELECT, type InstallationRow } from './install-review.ts';
import { auditRefusals } from './marketplace.errors.ts';
import { contributionsOf, describePermissions, type Actor, type ContributionSummary } from './marketplace.types.ts';
import { PublisherKeys } from './publisher-keys.service.ts';

export interface InstallationView {
  extensionId: string;
  version: string;
  publisher: string;
  displayName: string;
  description: string;
  status: 'enabled' | 'disabled';
  enabled: boolean;
  disabledReason: string | null;
  /** What the tenant's admin accepted; exactly what this version declares. */
  permissions: PermissionSet;
  contributions: ContributionSummary;
  keyId: string;
  /** False once the tenant stopped trusting the signing key (the extension is then disabled). */
  trusted: boolean;
  installedAt: string;
  updatedAt: string;
  latestVersion: string;
  updateAvailable: boolean;
  /** The newest version asks for permissions beyond those granted: updating needs a new acceptance. */
  updateRequiresAcceptance: boolean;
}

export interface InstallInput {
  extensionId: string;
  version?: string;
  acceptPermissions?: Partial<PermissionSet>;
}

export interface ChangeVersionInput {
  version?: string;
  acceptPermissions?: Partial<PermissionSet>;
}

@injectable()
export class Installations {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(Catalog) private readonly catalog: Catalog,
    @inject(PublisherKeys) private readonly keys: PublisherKeys,
    @inject(InstallReview) private readonly review: InstallReview,
  ) {}

  async list(tenantId: string): Promise<InstallationView[]> {
    const latest = await this.catalog.latestVersions();
    return this.db.tenant(tenantId, async (em) => {
      const rows = await em.execute<InstallationRow[]>(`${INSTALLATION_SELECT} ORDER BY i.extension_id`);
      const trusted = new Set((await this.keys.trustedIn(em)).map((k) => k.keyId));
      return rows.map((row) => {
        const newest = latest.get(row.extension_id);
        const updateAvailable = !!newest && isDowngrade(newest.version, row.version);
        return {
          extensionId: row.extension_id,
          version: row.version,
          publisher: row.manifest.publisher,
          displayName: row.manifest.displayName ?? row.manifest.name,
          description: row.manifest.description ?? '',
          status: row.enabled ? 'enabled' : 'disabled',
          enabled: row.enabled,
          disabledReason: row.disabled_reason,
          permissions: row.granted_permissions,
          contributions: contributionsOf(row.manifest),
          keyId: row.key_id,
          trusted: trusted.has(row.key_id),
          installedAt: new Date(row.installed_at).toISOString(),
          updatedAt: new Date(row.updated_at).toISOString(),
          latestVersion: newest?.version ?? row.version,
          updateAvailable,
          updateRequiresAcceptance: updateAvailable && comparePermissions(row.manifest, newest!.manifest).escalates,
        };
      });
    });
  }

  async get(tenantId: string, extensionId: string): Promise<InstallationView> {
    const found = (await this.list(tenantId)).find((i) => i.extensionId === extensionId);
    if (!found) throw new NotFoundError(`${extensionId} is not installed in this tenant; install it with POST /v1/extensions/install.`);
    return found;
  }

  install(tenantId: string, actor: Actor, input: InstallInput): Promise<InstallationView> {
    const { extensionId } = input;
    const context = { tenantId, actor, action: 'extension.installRefused', target: `extension:${extensionId}`, payload: { version: input.version ?? null } };
    return auditRefusals(this.audit, context, async () => {
      const candidate = await this.review.candidate(tenantId, extensionId, input.version);
      const version = candidate.target.version;
      if (candidate.current) {
        throw new ConflictError(`${extensionId} is already installed at version ${candidate.current.version}; change versions with POST /v1/extensions/${extensionId}/update or /rollback.`);
      }
      const reviewed = this.review.verify(candidate);
      const granted = this.review.requireAcceptance({ extensionId, version }, reviewed.declared, input.acceptPermissions, reviewed.declared);
      await this.db.tenant(tenantId, async (em) => {
        const inserted = await em.execute(
          `INSERT INTO extension_installation (tenant_id, extension_id, bundle_id, version, manifest, granted_permissions, installed_by)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, extension_id) DO NOTHING RETURNING id`,
          [tenantId, extensionId, candidate.target.id, version, JSON.stringify(reviewed.manifest), JSON.stringify(granted), actor.id],
        );
        if (!inserted.length) throw new ConflictError(`${extensionId} was installed meanwhile; refresh and review the installed version.`);
        const payload = { version, sha256: candidate.target.sha256, keyId: reviewed.keyId, permissions: granted };
        await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.installed', target: `extension:${extensionId}`, payload, ip: actor.ip ?? null });
      });
      this.bus.emit('extension.installed', { tenantId, extensionId, version });
      return this.get(tenantId, extensionId);
    });
  }

  /** Moves to a newer version (the newest when none is named); never backwards. */
  update(tenantId: string, actor: Actor, extensionId: string, input: ChangeVersionInput): Promise<InstallationView> {
    return this.changeVersion(tenantId, actor, extensionId, input, 'update');
  }

  /** Goes back to an older version, on purpose: the only way a version goes down. */
  rollback(tenantId: string, actor: Actor, extensionId: string, input: ChangeVersionInput & { version: string }): Promise<InstallationView> {
    return this.changeVersion(tenantId, actor, extensionId, input, 'rollback');
  }

  private changeVersion(tenantId: string, actor: Actor, extensionId: string, input: ChangeVersionInput, mode: 'update' | 'rollback'): Promise<InstallationView> {
    const context = { tenantId, actor, action: `extension.${mode}Refused`, target: `extension:${extensionId}`, payload: { version: input.version ?? null } };
    return auditRefusals(this.audit, context, async () => {
      const candidate = await this.review.candidate(tenantId, extensionId, input.version);
      const current = candidate.current;
      const version = candidate.target.version;
      if (!current) throw new NotFoundError(`${extensionId} is not installed in this tenant; install it with POST /v1/extensions/install.`);
      if (version === current.version) throw new ConflictError(`${extensionId} is already at version ${version}${input.version ? '' : ', the newest published'}.`);
      const downgrade = isDowngrade(current.version, version);
      if (mode === 'update' && downgrade) {
        const error = new ConflictError(`${version} is older than the installed ${current.version}; going back needs an explicit rollback: POST /v1/extensions/${extensionId}/rollback { "version": "${version}" }.`);
        error.extensions.reason = 'downgrade';
        throw error;
      }
      if (mode === 'rollback' && !downgrade) throw new ConflictError(`${version} is newer than the installed ${current.version}; use POST /v1/extensions/${extensionId}/update to move forward.`);
      const reviewed = this.review.verify(candidate);
      const change = comparePermissions(current.manifest, reviewed.manifest);
      const lead = `${extensionId}@${version} asks for more than version ${current.version} was granted (${describePermissions(change.added)}), so it stays on ${current.version} until an admin accepts all it declares: ${describePermissions(reviewed.declared)}.`;
      const granted =
        change.escalates || input.acceptPermissions !== undefined
          ? this.review.requireAcceptance({ extensionId, version }, reviewed.declared, input.acceptPermissions, change.added, change.escalates ? lead : undefined)
          : reviewed.declared;
      await this.db.tenant(tenantId, async (em) => {
        const moved = await em.execute(
          `UPDATE extension_installation SET bundle_id = ?, version = ?, manifest = ?, granted_permissions = ?, updated_at = now()
           WHERE extension_id = ? AND version = ? RETURNING id`,
          [candidate.target.id, version, JSON.stringify(reviewed.manifest), JSON.stringify(granted), extensionId, current.version],
        );
        if (!moved.length) throw new ConflictError(`${extensionId} changed meanwhile; refresh and try again.`);
        const payload = { from: current.version, to: version, sha256: candidate.target.sha256, added: change.added, removed: change.removed };
        const action = mode === 'update' ? 'extension.updated' : 'extension.rolledBack';
        await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action, target: `extension:${extensionId}`, payload, ip: actor.ip ?? null });
      });
      this.bus.emit('extension.updated', { tenantId, extensionId, from: current.version, to: version });
      return this.get(tenantId, extensionId);
    });
  }

  /** Turning an extension back on checks again what installing checked: trust and policy may have changed. */
  enable(tenantId: string, actor: Actor, extensionId: string): Promise<InstallationView> {
    const context = { tenantId, actor, action: 'extension.enableRefused', target: `extension:${extensionId}` };
    return auditRefusals(this.audit, context, async () => {
      const installed = await this.installed(tenantId, extensionId);
      if (installed.enabled) return this.get(tenantId, extensionId);
      this.review.verify(await this.review.candidate(tenantId, extensionId, installed.version));
      const changed = await this.db.tenant(tenantId, async (em) => {
        const rows = await em.execute(`UPDATE extension_installation SET enabled = true, disabled_reason = NULL, updated_at = now() WHERE extension_id = ? AND NOT enabled RETURNING id`, [extensionId]);
        if (rows.length) await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.enabled', target: `extension:${extensionId}`, ip: actor.ip ?? null });
        return rows.length > 0;
      });
      if (changed) this.bus.emit('extension.enabled', { tenantId, extensionId });
      return this.get(tenantId, extensionId);
    });
  }

  disable(tenantId: string, actor: Actor, extensionId: string, reason?: string): Promise<InstallationView> {
    const context = { tenantId, actor, action: 'extension.disableRefused', target: `extension:${extensionId}` };
    return auditRefusals(this.audit, context, async () => {
      const why = reason?.trim() || `disabled by ${actor.label}`;
      const changed = await this.db.tenant(tenantId, async (em) => {
        await this.installedIn(em, extensionId);
        const rows = await em.execute(`UPDATE extension_installation SET enabled = false, disabled_reason = ?, updated_at = now() WHERE extension_id = ? AND enabled RETURNING id`, [why, extensionId]);
        if (rows.length) await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.disabled', target: `extension:${extensionId}`, payload: { reason: why }, ip: actor.ip ?? null });
        return rows.length > 0;
      });
      if (changed) this.bus.emit('extension.disabled', { tenantId, extensionId, reason: why });
      return this.get(tenantId, extensionId);
    });
  }

  uninstall(tenantId: string, actor: Actor, extensionId: string): Promise<void> {
    const context = { tenantId, actor, action: 'extension.uninstallRefused', target: `extension:${extensionId}` };
    return auditRefusals(this.audit, context, async () => {
      await this.db.tenant(tenantId, async (em) => {
        const row = await this.installedIn(em, extensionId);
        await em.execute(`DELETE FROM extension_installation WHERE extension_id = ?`, [extensionId]);
        await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.uninstalled', target: `extension:${extensionId}`, payload: { version: row.version }, ip: actor.ip ?? null });
      });
      this.bus.emit('extension.uninstalled', { tenantId, extensionId });
    });
  }

  private installed(tenantId: string, extensionId: string): Promise<InstallationRow> {
    return this.db.tenant(tenantId, (em) => this.installedIn(em, extensionId));
  }

  private async installedIn(em: EntityManager, extensionId: string): Promise<InstallationRow> {
    const [row] = await em.execute<InstallationRow[]>(`${INSTALLATION_SELECT} WHERE i.extension_id = ? FOR UPDATE OF i`, [extensionId]);
    if (!row) throw new NotFoundError(`${extensionId} is not installed in this tenant.`);
    return row;
  }
}
