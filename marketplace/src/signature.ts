// The signature document and the exact bytes that are signed.
//
// Signed payload = canonical JSON (see canonical.ts) of
//   { purpose: "penny-extension-bundle/v1", algorithm: "ed25519", keyId, signedAt,
//     manifest: <parsed manifest>, files: [{ path, sha256, size }] sorted by path }
// where `files` lists every entry except signature.json itself, the manifest file included.
// keyId and signedAt are inside the payload so neither can be swapped without breaking the signature;
// `purpose` keeps a bundle signature from being valid for anything else signed with the same key.

import nacl from 'tweetnacl';
import { canonicalBytes } from './canonical.ts';
import { compareCodeUnits } from './bundle.ts';
import { BundleError } from './errors.ts';
import { fromBase64, isKeyId, KEY_ALGORITHM } from './keys.ts';
import { MANIFEST_FILE_NAMES } from './manifest.ts';

export const SIGNATURE_FILE = 'signature.json';
export const SIGNATURE_PURPOSE = 'penny-extension-bundle/v1';

export interface SignedFile {
  path: string;
  sha256: string;
  size: number;
}

export interface SignatureDocument {
  version: 1;
  keyId: string;
  algorithm: typeof KEY_ALGORITHM;
  /** ISO 8601 UTC. */
  signedAt: string;
  files: SignedFile[];
  /** Base64 of the 64-byte detached ed25519 signature. */
  signature: string;
}

export function signingPayload(fields: { keyId: string; signedAt: string; manifest: unknown; files: readonly SignedFile[] }): Uint8Array {
  try {
    return encodePayload(fields);
  } catch (error) {
    // JSON.parse accepts what canonical JSON cannot carry (1e400, lone surrogate escapes).
    if (error instanceof TypeError) throw new BundleError('manifest_invalid', `the manifest cannot be signed: ${error.message}`);
    throw error;
  }
}

function encodePayload(fields: { keyId: string; signedAt: string; manifest: unknown; files: readonly SignedFile[] }): Uint8Array {
  return canonicalBytes({
    purpose: SIGNATURE_PURPOSE,
    algorithm: KEY_ALGORITHM,
    keyId: fields.keyId,
    signedAt: fields.signedAt,
    manifest: fields.manifest,
    files: fields.files.map(({ path, sha256, size }) => ({ path, sha256, size })),
  });
}

export function signPayload(payload: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return nacl.sign.detached(payload, secretKey);
}

export function verifyPayload(payload: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return nacl.sign.detached.verify(payload, signature, publicKey);
}

/** Parses signature.json strictly: unknown fields are refused because they would not be signed. */
export function parseSignatureDocument(bytes: Uint8Array): SignatureDocument & { signatureBytes: Uint8Array } {
  const malformed = (why: string): never => {
    throw new BundleError('malformed_signature', `${SIGNATURE_FILE} ${why}; sign the bundle again with penny-ext sign`, SIGNATURE_FILE);
  };
  const document = parseJsonObject(bytes, SIGNATURE_FILE, 'malformed_signature');
  const allowed = new Set(['version', 'keyId', 'algorithm', 'signedAt', 'files', 'signature']);
  const unknown = Object.keys(document).filter((key) => !allowed.has(key));
  if (unknown.length > 0) malformed(`has unexpected fields: ${unknown.join(', ')}`);
  if (document['version'] !== 1) malformed(`has version ${JSON.stringify(document['version'])}; only version 1 is understood`);
  if (document['algorithm'] !== KEY_ALGORITHM) {
    throw new BundleError(
      'unsupported_algorithm',
      `the bundle is signed with ${JSON.stringify(document['algorithm'])}; only ${KEY_ALGORITHM} is accepted`,
      SIGNATURE_FILE,
    );
  }
  const keyId = document['keyId'];
  if (typeof keyId !== 'string' || !isKeyId(keyId)) malformed('has no valid keyId');
  const signedAt = document['signedAt'];
  if (typeof signedAt !== 'string' || Number.isNaN(Date.parse(signedAt))) malformed('has no valid signedAt time');
  const files = document['files'];
  if (!Array.isArray(files)) malformed('has no files list');
  const signedFiles = (files as unknown[]).map((entry, index) => parseSignedFile(entry, index, malformed));
  for (let index = 1; index < signedFiles.length; index++) {
    if (compareCodeUnits(signedFiles[index - 1]!.path, signedFiles[index]!.path) >= 0) malformed('lists files out of order or twice');
  }
  let signatureBytes: Uint8Array = new Uint8Array();
  try {
    signatureBytes = fromBase64(typeof document['signature'] === 'string' ? document['signature'] : '', 64, 'signature');
  } catch (error) {
    malformed(`has an invalid signature value (${(error as Error).message})`);
  }
  return {
    version: 1,
    keyId: keyId as string,
    algorithm: KEY_ALGORITHM,
    signedAt: signedAt as string,
    files: signedFiles,
    signature: document['signature'] as string,
    signatureBytes,
  };
}

/** Finds and parses the manifest at the bundle root. */
export function readManifest(files: readonly { path: string; bytes: Uint8Array }[]): { path: string; json: Record<string, unknown> } {
  const present = MANIFEST_FILE_NAMES.filter((name) => files.some((file) => file.path === name));
  if (present.length === 0) {
    throw new BundleError(
      'missing_manifest',
      `the bundle has no ${MANIFEST_FILE_NAMES.join(' or ')} at its root; pack the extension directory with penny-ext pack`,
    );
  }
  if (present.length > 1) {
    throw new BundleError('ambiguous_manifest', `the bundle has both ${present.join(' and ')}; keep only one manifest at the root`);
  }
  const path = present[0]!;
  const file = files.find((candidate) => candidate.path === path)!;
  return { path, json: parseJsonObject(file.bytes, path, 'manifest_invalid') };
}

function parseSignedFile(entry: unknown, index: number, malformed: (why: string) => never): SignedFile {
  if (typeof entry !== 'object' || entry === null) return malformed(`files[${index}] is not an object`);
  const { path, sha256, size, ...rest } = entry as Record<string, unknown>;
  if (Object.keys(rest).length > 0) malformed(`files[${index}] has unexpected fields`);
  if (typeof path !== 'string' || path.length === 0) malformed(`files[${index}] has no path`);
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) malformed(`files[${index}] has no valid sha256`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) malformed(`files[${index}] has no valid size`);
  return { path: path as string, sha256: sha256 as string, size: size as number };
}

function parseJsonObject(bytes: Uint8Array, path: string, code: 'malformed_signature' | 'manifest_invalid'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new BundleError(code, `${path} is not valid UTF-8 JSON (${(error as Error).message})`, path);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BundleError(code, `${path} must hold a JSON object`, path);
  return value as Record<string, unknown>;
}
