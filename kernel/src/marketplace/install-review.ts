// Everything decided before an extension version may run in a tenant: the stored bundle verifies
// again against the keys this tenant trusts (not merely the ones it was published with), the tenant
// policy allows what it asks for, and the admin accepted exactly the permissions it declares.
import { inject, injectable } from 'inversify';
import { verifyExtensionBundle, type PermissionSet } from '@penny/marketplace';
import type { ExtensionManifest } from '@penny/manifests';
import { PolicyViolationError } from '../core/errors.ts';
import { KERNEL_VERSION } from '../core/version.ts';
import { Database } from '../database/database.service.ts';
import { Catalog, type BundleRow } from './catalog.service.ts';
import { MarketplaceConfig } from './marketplace.config.ts';
import { BundleRejectedError, PermissionsNotAcceptedError } from './marketplace.errors.ts';
import { declaredPermissions, describePermissions, isEmptyPermissionSet, normalizePermissions, samePermissions } from './marketplace.types.ts';
import { PublisherKeys, type KnownKey } from './publisher-keys.service.ts';
import { extensionPolicyOf, policyViolations, type ExtensionPolicy } from './tenant-policy.ts';

export interface InstallationRow {
  id: string;
  extension_id: string;
  bundle_id: string;
  version: string;
  manifest: ExtensionManifest;
  granted_permissions: PermissionSet;
  enabled: boolean;
  disabled_reason: string | null;
  installed_at: Date;
  updated_at: Date;
  key_id: string;
}

export const INSTALLATION_SELECT = `SELECT i.id, i.extension_id, i.bundle_id, i.version, i.manifest, i.granted_permissions, i.enabled, i.disabled_reason,
  i.installed_at, i.updated_at, b.key_id FROM extension_installation i JOIN extension_bundle b ON b.id = i.bundle_id`;

/** A catalog version as one tenant would receive it, before anything is checked. */
export interface Candidate {
  target: BundleRow;
  bytes: Uint8Array;
  current: InstallationRow | null;
  policy: ExtensionPolicy;
  trustedKeys: KnownKey[];
}

export interface ReviewedVersion {
  manifest: ExtensionManifest;
  declared: PermissionSet;
  keyId: string;
}

@injectable()
export class InstallReview {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(Catalog) private readonly catalog: Catalog,
    @inject(PublisherKeys) private readonly keys: PublisherKeys,
    @inject(MarketplaceConfig) private readonly config: MarketplaceConfig,
  ) {}

  /** Reads the catalog entry (as the owner), then the tenant's trust, installation and policy. */
  async candidate(tenantId: string, extensionId: string, version?: string): Promise<Candidate> {
    const { row, bytes } = await this.catalog.find(extensionId, version);
    return this.db.tenant(tenantId, async (em) => {
      const trustedKeys = await this.keys.trustedIn(em);
      const [current] = await em.execute<InstallationRow[]>(`${INSTALLATION_SELECT} WHERE i.extension_id = ?`, [extensionId]);
      const [tenant] = await em.execute<{ policy: unknown }[]>(`SELECT settings->'policy' AS policy FROM tenant`);
      return { target: row, bytes, current: current ?? null, policy: extensionPolicyOf(tenant?.policy), trustedKeys };
    });
  }

  /** Verifies the bundle for this tenant and applies its policy; throws the refusal otherwise. */
  verify(candidate: Candidate): ReviewedVersion {
    const subject = `${candidate.target.extension_id}@${candidate.target.version}`;
    const result = verifyExtensionBundle(candidate.bytes, { trustedKeys: candidate.trustedKeys, engineVersion: KERNEL_VERSION, limits: { maxTotalBytes: this.config.maxBundleBytes } });
    if (!result.ok) {
      if (result.code === 'untrusted_key') {
        throw new BundleRejectedError(
          'untrusted_key',
          `${subject} is signed with the key ${result.keyId}, which this tenant does not trust. If you trust its publisher, add the key with POST /v1/marketplace/trusted-keys { "keyId": "${result.keyId}" } and try again.`,
          result,
        );
      }
      throw BundleRejectedError.fromVerification(result, subject);
    }
    const declared = declaredPermissions(result.manifest);
    const violations = policyViolations(candidate.policy, result.manifest.publisher, declared);
    if (violations.length) {
      const error = new PolicyViolationError(`${subject} is refused by the tenant policy: ${violations.join('; ')}. Change the policy (PUT /v1/marketplace/policy) or pick another extension.`);
      error.extensions.violations = violations;
      throw error;
    }
    return { manifest: result.manifest, declared, keyId: result.keyId };
  }

  /**
   * The admin must accept exactly what the version declares: accepting less would grant less than
   * the code expects, and accepting something else means the review was of another manifest.
   */
  requireAcceptance(subject: { extensionId: string; version: string }, declared: PermissionSet, accept: Partial<PermissionSet> | undefined, added: PermissionSet, lead?: string): PermissionSet {
    const accepted = normalizePermissions(accept);
    if (accept === undefined && isEmptyPermissionSet(declared)) return declared;
    if (samePermissions(accepted, declared)) return declared;
    const what = `${subject.extensionId}@${subject.version}`;
    const detail = `${lead ?? `${what} asks for ${describePermissions(declared)}.`} Review them and send acceptPermissions with exactly these (received: ${accept === undefined ? 'none' : describePermissions(accepted)}).`;
    throw new PermissionsNotAcceptedError(detail, { extensionId: subject.extensionId, version: subject.version, required: declared, accepted, added });
  }
}
