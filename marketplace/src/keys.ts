// Publisher keys: ed25519 key pairs, their stable fingerprints, and the small JSON documents used to
// hand a public key to a tenant admin or keep a private key on disk.

import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';

export const KEY_ALGORITHM = 'ed25519';

export interface PublicKey {
  algorithm: typeof KEY_ALGORITHM;
  /** `ed25519:` + hex of the first 16 bytes of sha256(public key). */
  keyId: string;
  /** 32 raw bytes. */
  publicKey: Uint8Array;
  /** A label for people; not covered by the key id. */
  name?: string;
}

export interface KeyPair extends PublicKey {
  /** 64 bytes in tweetnacl's layout (seed followed by public key). */
  secretKey: Uint8Array;
}

const PUBLIC_KEY_TYPE = 'penny-public-key';
const SECRET_KEY_TYPE = 'penny-secret-key';
const KEY_ID_PATTERN = /^ed25519:[0-9a-f]{32}$/;

export function keyIdOf(publicKey: Uint8Array): string {
  if (publicKey.length !== nacl.sign.publicKeyLength) throw new TypeError(`an ed25519 public key has 32 bytes, got ${publicKey.length}`);
  return `${KEY_ALGORITHM}:${createHash('sha256').update(publicKey).digest('hex').slice(0, 32)}`;
}

export function isKeyId(text: string): boolean {
  return KEY_ID_PATTERN.test(text);
}

export function generateKeyPair(name?: string): KeyPair {
  return keyPairFromSecret(nacl.sign.keyPair().secretKey, name);
}

export function keyPairFromSecret(secretKey: Uint8Array, name?: string): KeyPair {
  if (secretKey.length !== nacl.sign.secretKeyLength) throw new TypeError(`an ed25519 secret key has 64 bytes, got ${secretKey.length}`);
  const { publicKey } = nacl.sign.keyPair.fromSecretKey(secretKey);
  // tweetnacl does not check that the embedded public key belongs to the seed; a mismatch would
  // produce signatures that never verify.
  const derived = nacl.sign.keyPair.fromSeed(secretKey.subarray(0, 32)).publicKey;
  if (!nacl.verify(publicKey, derived)) throw new TypeError('the secret key is damaged: its public half does not match its seed');
  return {
    algorithm: KEY_ALGORITHM,
    keyId: keyIdOf(publicKey),
    publicKey,
    secretKey: Uint8Array.from(secretKey),
    ...(name ? { name } : {}),
  };
}

export function publicKeyOf(key: PublicKey): PublicKey {
  return { algorithm: key.algorithm, keyId: key.keyId, publicKey: key.publicKey, ...(key.name ? { name: key.name } : {}) };
}

/** `{"type":"penny-public-key","algorithm":"ed25519","keyId":…,"publicKey":<base64>,"name"?}` */
export function exportPublicKey(key: PublicKey): string {
  const document = {
    type: PUBLIC_KEY_TYPE,
    algorithm: KEY_ALGORITHM,
    keyId: key.keyId,
    ...(key.name ? { name: key.name } : {}),
    publicKey: toBase64(key.publicKey),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Reads an exported public key; refuses a document whose key id does not match its key. */
export function importPublicKey(text: string): PublicKey {
  const document = parseKeyDocument(text, PUBLIC_KEY_TYPE);
  const publicKey = fromBase64(requireString(document, 'publicKey'), 32, 'publicKey');
  return { algorithm: KEY_ALGORITHM, keyId: checkedKeyId(document, publicKey), publicKey, ...nameOf(document) };
}

export function exportSecretKey(key: KeyPair, createdAt: Date = new Date()): string {
  const document = {
    type: SECRET_KEY_TYPE,
    algorithm: KEY_ALGORITHM,
    keyId: key.keyId,
    ...(key.name ? { name: key.name } : {}),
    createdAt: createdAt.toISOString(),
    secretKey: toBase64(key.secretKey),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function importSecretKey(text: string): KeyPair {
  const document = parseKeyDocument(text, SECRET_KEY_TYPE);
  const pair = keyPairFromSecret(fromBase64(requireString(document, 'secretKey'), 64, 'secretKey'), nameOf(document).name);
  checkedKeyId(document, pair.publicKey);
  return pair;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64: refuses anything Buffer would silently skip. */
export function fromBase64(text: string, expectedLength: number | undefined, field: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new TypeError(`${field} is not valid base64`);
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  if (expectedLength !== undefined && bytes.length !== expectedLength)
    throw new TypeError(`${field} must decode to ${expectedLength} bytes, got ${bytes.length}`);
  return bytes;
}

function parseKeyDocument(text: string, type: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new TypeError(`not a ${type} document: the text is not JSON`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new TypeError(`not a ${type} document: expected a JSON object`);
  const record = document as Record<string, unknown>;
  if (record['type'] !== type) {
    const hint =
      record['type'] === SECRET_KEY_TYPE
        ? ' (this is a private key: never share it; export the public key with penny-ext keys export)'
        : '';
    throw new TypeError(`not a ${type} document: its type is ${JSON.stringify(record['type'])}${hint}`);
  }
  if (record['algorithm'] !== KEY_ALGORITHM)
    throw new TypeError(`unsupported key algorithm ${JSON.stringify(record['algorithm'])}; only ${KEY_ALGORITHM} is accepted`);
  return record;
}

function checkedKeyId(document: Record<string, unknown>, publicKey: Uint8Array): string {
  const keyId = keyIdOf(publicKey);
  const claimed = document['keyId'];
  if (claimed !== undefined && claimed !== keyId)
    throw new TypeError(`the key document claims id ${String(claimed)} but its key has id ${keyId}; it was edited or damaged`);
  return keyId;
}

function requireString(document: Record<string, unknown>, field: string): string {
  const value = document[field];
  if (typeof value !== 'string') throw new TypeError(`the key document has no ${field}`);
  return value;
}

function nameOf(document: Record<string, unknown>): { name?: string } {
  const name = document['name'];
  return typeof name === 'string' && name.length > 0 ? { name } : {};
}
