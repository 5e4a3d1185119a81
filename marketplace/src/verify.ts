// Deciding whether a bundle may be installed: container safety, a signature by a trusted key over
// exactly the files present, a valid manifest and a matching engine range. Every refusal is a typed
// result whose message says what was wrong and what to do; nothing here throws for bad input.

import { engineSatisfies, validateManifest, type ExtensionManifest } from '@penny/manifests';
import { type BundleFile, readEntries } from './bundle.ts';
import { BundleError, type VerifyFailureCode } from './errors.ts';
import { keyIdOf, type PublicKey } from './keys.ts';
import { type BundleLimits, resolveLimits } from './limits.ts';
import { type BundleManifest, entryPathOf, type ManifestValidationError, type ValidateManifest } from './manifest.ts';
import { parseSignatureDocument, readManifest, SIGNATURE_FILE, type SignedFile, signingPayload, verifyPayload } from './signature.ts';

export interface VerifyOptions<M extends BundleManifest> {
  trustedKeys: readonly PublicKey[];
  /** The running Penny version; `null` skips the engine check (authoring tools only). */
  engineVersion: string | null;
  validateManifest: ValidateManifest<M>;
  /** Defaults to `engineSatisfies` from @penny/manifests. */
  engineSatisfies?: (range: string, version: string) => boolean;
  limits?: Partial<BundleLimits>;
}

export interface VerifiedBundle<M> {
  ok: true;
  manifest: M;
  /** Where the manifest sits in the bundle: manifest.json or package.json. */
  manifestPath: string;
  /** Every signed file, the manifest included, signature.json excluded; sorted by path. */
  files: BundleFile[];
  keyId: string;
  signedAt: string;
}

export interface VerifyFailure {
  ok: false;
  code: VerifyFailureCode;
  message: string;
  /** The entry concerned, for file-level failures. */
  path?: string;
  /** The key the bundle claims to be signed with, once known. */
  keyId?: string;
  /** Field-level problems, for `manifest_invalid`. */
  errors?: ManifestValidationError[];
}

export type VerifyResult<M> = VerifiedBundle<M> | VerifyFailure;

/** `verifyBundle` with the manifest schema and engine rules of @penny/manifests: what the kernel runs. */
export function verifyExtensionBundle(
  bytes: Uint8Array,
  options: Omit<VerifyOptions<ExtensionManifest>, 'validateManifest' | 'engineSatisfies'>,
): VerifyResult<ExtensionManifest> {
  return verifyBundle(bytes, { ...options, validateManifest, engineSatisfies });
}

export function verifyBundle<M extends BundleManifest>(bytes: Uint8Array, options: VerifyOptions<M>): VerifyResult<M> {
  try {
    return verifyOrThrow(bytes, options);
  } catch (error) {
    if (error instanceof BundleError)
      return { ok: false, code: error.code, message: error.message, ...(error.path ? { path: error.path } : {}) };
    throw error;
  }
}

function verifyOrThrow<M extends BundleManifest>(bytes: Uint8Array, options: VerifyOptions<M>): VerifyResult<M> {
  const entries = readEntries(bytes, resolveLimits(options.limits));
  const signatureEntry = entries.find((entry) => entry.path === SIGNATURE_FILE);
  if (!signatureEntry) {
    return fail(
      'missing_signature',
      `the bundle is not signed (no ${SIGNATURE_FILE}); sign it with penny-ext sign --key <key> before installing`,
    );
  }
  const signature = parseSignatureDocument(signatureEntry.bytes);
  const files = entries.filter((entry) => entry !== signatureEntry);
  const manifest = readManifest(files);
  const { keyId } = signature;

  // Trust follows the key bytes, never the id a caller attached to them.
  const trusted = options.trustedKeys.find(
    (key) => key.algorithm === 'ed25519' && key.publicKey.length === 32 && keyIdOf(key.publicKey) === keyId,
  );
  if (!trusted) {
    return fail(
      'untrusted_key',
      `the bundle is signed with key ${keyId}, which is not among the ${options.trustedKeys.length} trusted key(s); if you trust this publisher, add their public key (from penny-ext keys export) to the trusted keys, otherwise do not install it`,
      { keyId },
    );
  }

  const payload = signingPayload({ keyId, signedAt: signature.signedAt, manifest: manifest.json, files: signature.files });
  if (!verifyPayload(payload, signature.signatureBytes, trusted.publicKey)) {
    const manifestFile = files.find((file) => file.path === manifest.path);
    const listed = signature.files.find((file) => file.path === manifest.path);
    const manifestChanged = manifestFile && listed && manifestFile.sha256 !== listed.sha256;
    const why = manifestChanged
      ? `${manifest.path} differs from the one that was signed`
      : 'the manifest, the file list or the signature was changed after signing';
    return fail(
      'bad_signature',
      `the signature does not verify with trusted key ${keyId}: ${why}; do not install this bundle, get an untouched copy from the publisher`,
      { keyId, ...(manifestChanged ? { path: manifest.path } : {}) },
    );
  }

  const integrity = compareFiles(signature.files, files);
  if (integrity) return { ...integrity, keyId };

  const validation = options.validateManifest(manifest.json);
  if (!validation.ok) {
    const summary = validation.errors
      .slice(0, 5)
      .map((error) => error.message)
      .join('; ');
    return fail('manifest_invalid', `${manifest.path} is not a valid extension manifest: ${summary}; fix it and publish a new version`, {
      keyId,
      path: manifest.path,
      errors: validation.errors,
    });
  }
  const missing = referencedFiles(validation.manifest).find(
    (reference) => !files.some((file) => file.path === entryPathOf(reference.target)),
  );
  if (missing) {
    return fail(
      'manifest_invalid',
      `${manifest.path} names ${missing.field} ${JSON.stringify(missing.target)}, which is not in the bundle; run penny-ext build before penny-ext pack`,
      {
        keyId,
        path: manifest.path,
        errors: [{ path: missing.field, message: `${missing.field}: file not found in the bundle` }],
      },
    );
  }

  if (options.engineVersion !== null) {
    const range = validation.manifest.engines.penny;
    if (!(options.engineSatisfies ?? engineSatisfies)(range, options.engineVersion)) {
      return fail(
        'engine_mismatch',
        `${validation.manifest.publisher}.${validation.manifest.name}@${validation.manifest.version} requires Penny ${range}, but this is Penny ${options.engineVersion}; install a version of the extension built for it, or upgrade Penny`,
        { keyId },
      );
    }
  }

  return {
    ok: true,
    manifest: validation.manifest,
    manifestPath: manifest.path,
    files: files.map(({ path, bytes: data, size, sha256 }) => ({ path, bytes: data, size, sha256 })),
    keyId,
    signedAt: signature.signedAt,
  };
}

/** Files the manifest points at: entry points and sidecar executables. */
function referencedFiles(manifest: BundleManifest): { field: string; target: string }[] {
  const references: { field: string; target: string }[] = [];
  if (manifest.main !== undefined) references.push({ field: 'main', target: manifest.main });
  if (manifest.browser !== undefined) references.push({ field: 'browser', target: manifest.browser });
  (manifest.contributes?.sidecars ?? []).forEach((sidecar, index) => {
    const command = typeof sidecar === 'object' && sidecar !== null ? (sidecar as Record<string, unknown>)['command'] : undefined;
    if (typeof command === 'string') references.push({ field: `contributes.sidecars[${index}].command`, target: command });
  });
  return references;
}

/** With the signed list trusted, the bundle must hold exactly those files with those hashes. */
function compareFiles(signed: readonly SignedFile[], present: readonly BundleFile[]): VerifyFailure | undefined {
  const presentByPath = new Map(present.map((file) => [file.path, file]));
  const signedPaths = new Set(signed.map((file) => file.path));
  const modified = signed.filter((file) => {
    const actual = presentByPath.get(file.path);
    return actual !== undefined && (actual.sha256 !== file.sha256 || actual.size !== file.size);
  });
  const removed = signed.filter((file) => !presentByPath.has(file.path));
  const added = present.filter((file) => !signedPaths.has(file.path));
  const advice = 'do not install this bundle, get an untouched copy from the publisher';
  if (modified.length > 0) return fail('file_modified', `${list(modified)} changed after signing; ${advice}`, { path: modified[0]!.path });
  if (added.length > 0)
    return fail('file_added', `${list(added)} ${added.length === 1 ? 'was' : 'were'} added after signing; ${advice}`, {
      path: added[0]!.path,
    });
  if (removed.length > 0)
    return fail('file_removed', `${list(removed)} ${removed.length === 1 ? 'was' : 'were'} removed after signing; ${advice}`, {
      path: removed[0]!.path,
    });
  return undefined;
}

function list(files: readonly { path: string }[]): string {
  const shown = files
    .slice(0, 3)
    .map((file) => file.path)
    .join(', ');
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}

function fail(code: VerifyFailureCode, message: string, extra: Omit<VerifyFailure, 'ok' | 'code' | 'message'> = {}): VerifyFailure {
  return { ok: false, code, message, ...extra };
}
