import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importPublicKey } from './keys.ts';
import { KeyStore } from './keystore.ts';

describe('KeyStore', () => {
  let dir: string;
  let store: KeyStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'penny-keys-'));
    store = new KeyStore(join(dir, 'keys'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('writes the private key readable by its owner only', async () => {
    const key = await store.generate('acme');
    expect((await stat(key.secretKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
    expect(importPublicKey(await readFile(key.publicKeyFile, 'utf8')).keyId).toBe(key.keyId);
  });

  it('lists keys and loads them by id, name or file', async () => {
    const acme = await store.generate('acme');
    const other = await store.generate('other');
    expect((await store.list()).map((key) => [key.name, key.keyId])).toEqual([
      ['acme', acme.keyId],
      ['other', other.keyId],
    ]);
    expect((await store.load(acme.keyId)).keyId).toBe(acme.keyId);
    expect((await store.load('other')).keyId).toBe(other.keyId);
    expect((await store.load(acme.secretKeyFile)).keyId).toBe(acme.keyId);
    await expect(store.load('missing')).rejects.toThrow(/penny-ext keys generate/);
  });

  it('never overwrites a key', async () => {
    await store.generate('acme');
    await expect(store.generate('acme')).rejects.toThrow(/already exists/);
  });

  it('refuses a private key file that others can read', async () => {
    const key = await store.generate('acme');
    await chmod(key.secretKeyFile, 0o644);
    await expect(store.load('acme')).rejects.toThrow(/chmod 600/);
  });

  it('creates a build key once and reuses it', async () => {
    const first = await store.loadOrCreate('platform');
    const second = await store.loadOrCreate('platform');
    expect(second.keyId).toBe(first.keyId);
  });

  it('refuses key names that could escape the directory', async () => {
    await expect(store.generate('../evil')).rejects.toThrow(/key name/);
  });
});
