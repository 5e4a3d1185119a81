import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { exportPublicKey, exportSecretKey, generateKeyPair, importPublicKey, importSecretKey, keyIdOf, keyPairFromSecret } from './keys.ts';

describe('keys', () => {
  it('derives the key id from the public key alone', () => {
    const seed = new Uint8Array(32).fill(7);
    const pair = keyPairFromSecret(nacl.sign.keyPair.fromSeed(seed).secretKey, 'first');
    const again = keyPairFromSecret(nacl.sign.keyPair.fromSeed(seed).secretKey, 'renamed');
    const expected = `ed25519:${createHash('sha256').update(pair.publicKey).digest('hex').slice(0, 32)}`;
    expect(pair.keyId).toBe(expected);
    expect(again.keyId).toBe(expected);
    expect(generateKeyPair().keyId).not.toBe(expected);
  });

  it('round-trips public and secret keys through their documents', () => {
    const pair = generateKeyPair('acme');
    const publicKey = importPublicKey(exportPublicKey(pair));
    expect(publicKey).toEqual({ algorithm: 'ed25519', keyId: pair.keyId, publicKey: pair.publicKey, name: 'acme' });
    expect(exportPublicKey(pair)).not.toContain('secretKey');
    const secret = importSecretKey(exportSecretKey(pair));
    expect(secret.secretKey).toEqual(pair.secretKey);
    expect(keyIdOf(secret.publicKey)).toBe(pair.keyId);
  });

  it('refuses a public key document whose id was edited', () => {
    const document = JSON.parse(exportPublicKey(generateKeyPair())) as Record<string, unknown>;
    document['keyId'] = generateKeyPair().keyId;
    expect(() => importPublicKey(JSON.stringify(document))).toThrow(/claims id .* but its key has id/);
  });

  it('refuses a private key where a public key is expected, saying why', () => {
    expect(() => importPublicKey(exportSecretKey(generateKeyPair()))).toThrow(/private key: never share it/);
  });

  it('refuses malformed key material', () => {
    const document = JSON.parse(exportPublicKey(generateKeyPair())) as Record<string, unknown>;
    expect(() => importPublicKey(JSON.stringify({ ...document, publicKey: 'not base64!' }))).toThrow(/not valid base64/);
    expect(() => importPublicKey(JSON.stringify({ ...document, publicKey: 'AAAA' }))).toThrow(/32 bytes/);
    expect(() => importPublicKey('-----BEGIN PUBLIC KEY-----')).toThrow(/not JSON/);
    const pair = generateKeyPair();
    const damaged = Uint8Array.from(pair.secretKey);
    damaged[40] = damaged[40]! ^ 1;
    expect(() => keyPairFromSecret(damaged)).toThrow(/damaged/);
  });
});
