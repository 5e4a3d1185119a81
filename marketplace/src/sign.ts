// Signing a packed bundle: hashes every entry, signs the canonical payload and writes signature.json
// into the archive. Existing entries are copied byte for byte, so signing a large bundle costs one
// pass of hashing, not a recompression.

import { rawEntry, readEntries } from './bundle.ts';
import type { KeyPair } from './keys.ts';
import { type BundleLimits, resolveLimits } from './limits.ts';
import { readManifest, SIGNATURE_FILE, type SignatureDocument, signingPayload, signPayload } from './signature.ts';
import { toBase64 } from './keys.ts';
import { compressEntry, writeZip } from './zip/write.ts';

export interface SignOptions {
  /** Defaults to now; fixed values make signing reproducible. */
  signedAt?: Date;
  limits?: Partial<BundleLimits>;
}

/**
 * Returns a copy of the bundle carrying a fresh signature.json (any previous one is replaced).
 * Throws `BundleError` when the bundle is unsafe, over the limits or has no readable manifest.
 */
export function signBundle(bundle: Uint8Array, key: KeyPair, options: SignOptions = {}): Uint8Array {
  const entries = readEntries(bundle, resolveLimits(options.limits)).filter((entry) => entry.path !== SIGNATURE_FILE);
  const manifest = readManifest(entries);
  const files = entries.map(({ path, sha256, size }) => ({ path, sha256, size }));
  const signedAt = (options.signedAt ?? new Date()).toISOString();
  const signature = signPayload(signingPayload({ keyId: key.keyId, signedAt, manifest: manifest.json, files }), key.secretKey);
  const document: SignatureDocument = {
    version: 1,
    keyId: key.keyId,
    algorithm: 'ed25519',
    signedAt,
    files,
    signature: toBase64(signature),
  };
  const signatureEntry = compressEntry(SIGNATURE_FILE, new TextEncoder().encode(`${JSON.stringify(document, null, 2)}\n`));
  return writeZip([...entries.map((entry) => rawEntry(bundle, entry)), signatureEntry]);
}
