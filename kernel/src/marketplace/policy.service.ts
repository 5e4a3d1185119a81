// Reading and changing a tenant's extension policy. A stricter policy applies at once: installed
// extensions that it no longer allows are disabled, with the reason, in the same transaction.
import { inject, injectable } from 'inversify';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Database } from '../database/database.service.ts';
import type { Actor } from './marketplace.types.ts';
import type { InstallationRow } from './install-review.ts';
import { EXTENSION_POLICY_KEYS, extensionPolicyOf, policyViolations, type ExtensionPolicy } from './tenant-policy.ts';

export interface PolicyChange {
  policy: ExtensionPolicy;
  /** Installed extensions the new policy disabled, with why. */
  disabled: { extensionId: string; reason: string }[];
}

@injectable()
export class TenantPolicies {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(EventBus) private readonly bus: EventBus,
  ) {}

  get(tenantId: string): Promise<ExtensionPolicy> {
    return this.db.tenant(tenantId, async (em) => {
      const [row] = await em.execute<{ policy: unknown }[]>(`SELECT settings->'policy' AS policy FROM tenant`);
      return extensionPolicyOf(row?.policy);
    });
  }

  /** Replaces the extension members of `settings.policy`; members other features own are kept. */
  async put(tenantId: string, actor: Actor, policy: ExtensionPolicy): Promise<PolicyChange> {
    const disabled = await this.db.tenant(tenantId, async (em) => {
      const [row] = await em.execute<{ policy: Record<string, unknown> | null }[]>(`SELECT settings->'policy' AS policy FROM tenant FOR UPDATE`);
      const merged: Record<string, unknown> = { ...(row?.policy ?? {}) };
      for (const key of EXTENSION_POLICY_KEYS) delete merged[key];
      Object.assign(merged, policy);
      await em.execute(`UPDATE tenant SET settings = jsonb_set(settings, '{policy}', ?::jsonb) WHERE id = ?`, [JSON.stringify(merged), tenantId]);
      await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.policyChanged', target: `tenant:${tenantId}`, payload: policy, ip: actor.ip ?? null });

      const rows = await em.execute<Pick<InstallationRow, 'extension_id' | 'manifest' | 'granted_permissions'>[]>(
        `SELECT extension_id, manifest, granted_permissions FROM extension_installation WHERE enabled ORDER BY extension_id`,
      );
      const off: PolicyChange['disabled'] = [];
      for (const installed of rows) {
        const violations = policyViolations(policy, installed.manifest.publisher, installed.granted_permissions);
        if (!violations.length) continue;
        const reason = violations.join('; ');
        await em.execute(`UPDATE extension_installation SET enabled = false, disabled_reason = ?, updated_at = now() WHERE extension_id = ?`, [reason, installed.extension_id]);
        await this.audit.append(em, { tenantId, actorId: actor.id, actor: actor.label, action: 'extension.disabled', target: `extension:${installed.extension_id}`, payload: { reason }, ip: actor.ip ?? null });
        off.push({ extensionId: installed.extension_id, reason });
      }
      return off;
    });
    for (const { extensionId, reason } of disabled) this.bus.emit('extension.disabled', { tenantId, extensionId, reason });
    return { policy, disabled };
  }
}
