// What an update asks for beyond what a tenant admin already accepted, and whether it goes back in
// version. Anything added (or changed, for sidecars) needs a new acceptance before the update applies.

import semver from 'semver';
import { canonicalJson } from './canonical.ts';
import type { BundleManifest } from './manifest.ts';

export interface PermissionSet {
  /** Host patterns, lowercased, without a trailing dot. */
  network: string[];
  secrets: string[];
  datasources: string[];
  /** Sidecar ids (or names); see `sidecarsOf`. */
  sidecars: string[];
}

export interface PermissionChange {
  added: PermissionSet;
  removed: PermissionSet;
  /** True when anything was added: the update needs a new acceptance. */
  escalates: boolean;
}

type PermissionSource = Pick<BundleManifest, 'permissions' | 'contributes'>;

export function permissionsOf(manifest: PermissionSource): PermissionSet {
  const permissions = manifest.permissions ?? {};
  return {
    network: unique((permissions.network ?? []).map(normalizeHost)),
    secrets: unique(permissions.secrets ?? []),
    datasources: unique(permissions.datasources ?? []),
    sidecars: unique(sidecarsOf(manifest).map((sidecar) => sidecar.label)),
  };
}

/**
 * Compares what `previous` was granted with what `next` asks for. Pass `null` for a first install:
 * everything `next` asks for is then "added". Hosts are compared as written (case-insensitively),
 * so a narrower host that a wildcard already covered still counts as added; asking again is safer
 * than guessing how the egress policy expands patterns.
 */
export function comparePermissions(previous: PermissionSource | null, next: PermissionSource): PermissionChange {
  const before = previous ? permissionsOf(previous) : emptySet();
  const after = permissionsOf(next);
  const beforeSidecars = previous ? sidecarsOf(previous) : [];
  const afterSidecars = sidecarsOf(next);
  const sidecarFingerprints = (list: Sidecar[]) => new Set(list.map((sidecar) => sidecar.fingerprint));
  const beforePrints = sidecarFingerprints(beforeSidecars);
  const afterPrints = sidecarFingerprints(afterSidecars);

  const added: PermissionSet = {
    network: difference(after.network, before.network),
    secrets: difference(after.secrets, before.secrets),
    datasources: difference(after.datasources, before.datasources),
    // A sidecar whose definition changed (say, a different image) is as new as an added one.
    sidecars: unique(afterSidecars.filter((sidecar) => !beforePrints.has(sidecar.fingerprint)).map((sidecar) => sidecar.label)),
  };
  const removed: PermissionSet = {
    network: difference(before.network, after.network),
    secrets: difference(before.secrets, after.secrets),
    datasources: difference(before.datasources, after.datasources),
    sidecars: unique(beforeSidecars.filter((sidecar) => !afterPrints.has(sidecar.fingerprint)).map((sidecar) => sidecar.label)),
  };
  const escalates = Object.values(added).some((list: string[]) => list.length > 0);
  return { added, removed, escalates };
}

/** True when `next` is a lower version than `current`; such an install needs an explicit rollback. */
export function isDowngrade(current: string, next: string): boolean {
  for (const version of [current, next]) {
    if (semver.valid(version) === null) throw new TypeError(`${JSON.stringify(version)} is not a semantic version`);
  }
  return semver.lt(next, current);
}

interface Sidecar {
  label: string;
  fingerprint: string;
}

/** Sidecars are labelled by `id`, else `name`, else their position; fingerprinted by their whole definition. */
function sidecarsOf(manifest: PermissionSource): Sidecar[] {
  const list = manifest.contributes?.sidecars ?? [];
  return list.map((entry, index) => {
    const record = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
    const label =
      typeof record['id'] === 'string'
        ? record['id']
        : typeof record['name'] === 'string'
          ? record['name']
          : typeof entry === 'string'
            ? entry
            : `#${index}`;
    return { label, fingerprint: canonicalJson(entry) };
  });
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function difference(values: readonly string[], without: readonly string[]): string[] {
  const exclude = new Set(without);
  return values.filter((value) => !exclude.has(value));
}

function emptySet(): PermissionSet {
  return { network: [], secrets: [], datasources: [], sidecars: [] };
}
