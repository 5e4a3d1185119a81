// The marketplace's settings, read from the environment by `loadConfig` with the rest. Tests
// replace the binding (`rebindSync(MarketplaceConfig)`) to point the built-ins anywhere.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '@penny/marketplace';
import type { KernelConfig } from '../config/config.ts';

export interface MarketplaceConfig {
  /** Holds one package per built-in extension (`<dir>/<name>/manifest.json`); null turns built-ins off. */
  builtinsDir: string | null;
  /** An offline mirror whose `*.pennyext` files are imported at every start; null when unset. */
  mirrorDir: string | null;
  /** Where the platform signing key is generated and kept (0700 directory, 0600 key file). */
  keysDir: string;
  /** What the last built-in builds read, so unchanged packages skip esbuild at the next start. */
  buildCacheFile: string;
  /** Largest bundle accepted, uploaded or imported. */
  maxBundleBytes: number;
}
export const MarketplaceConfig = Symbol('MarketplaceConfig');

/** The repository's `extensions/` folder, next to `kernel/`. */
export const REPOSITORY_EXTENSIONS_DIR = fileURLToPath(new URL('../../../extensions/', import.meta.url));

export function loadMarketplaceConfig(env: Record<string, string | undefined>, kernel: Pick<KernelConfig, 'dataDir'>): MarketplaceConfig {
  const builtins = env.PENNY_BUILTIN_EXTENSIONS_DIR?.trim();
  const mirror = env.PENNY_EXTENSIONS_MIRROR?.trim();
  const keys = env.PENNY_PLATFORM_KEYS_DIR?.trim();
  const maxRaw = env.PENNY_MAX_BUNDLE_BYTES?.trim();
  const maxBundleBytes = maxRaw ? Number(maxRaw) : DEFAULT_LIMITS.maxTotalBytes;
  if (!Number.isSafeInteger(maxBundleBytes) || maxBundleBytes <= 0) throw new Error(`PENNY_MAX_BUNDLE_BYTES must be a positive integer, got "${maxRaw}"`);
  return {
    builtinsDir: builtins === 'off' ? null : path.resolve(builtins || REPOSITORY_EXTENSIONS_DIR),
    mirrorDir: mirror ? path.resolve(mirror) : null,
    keysDir: path.resolve(keys || path.join(kernel.dataDir, 'keys')),
    buildCacheFile: path.join(path.resolve(kernel.dataDir), 'cache', 'builtin-builds.json'),
    maxBundleBytes,
  };
}
