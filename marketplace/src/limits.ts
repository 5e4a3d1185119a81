// Size and count limits applied while unpacking; the kernel may tighten them per tenant.

export interface BundleLimits {
  /** Upper bound for the bundle file itself and for the sum of all uncompressed entries. */
  maxTotalBytes: number;
  /** Upper bound for any single uncompressed entry. */
  maxFileBytes: number;
  maxFiles: number;
  /** Upper bound for an entry name in UTF-8 bytes. */
  maxPathBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxTotalBytes: 20 * MiB,
  maxFileBytes: 10 * MiB,
  maxFiles: 500,
  maxPathBytes: 512,
});

export function resolveLimits(limits: Partial<BundleLimits> | undefined): BundleLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`bundle limit ${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  return resolved;
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}
