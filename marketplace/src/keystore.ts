// Publisher keys on disk for the CLI and for build scripts: `<name>.key.json` (mode 0600, never
// shared) beside `<name>.pub.json` (what a tenant admin is given), in a 0700 directory.

import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  exportPublicKey,
  exportSecretKey,
  generateKeyPair,
  importPublicKey,
  importSecretKey,
  isKeyId,
  type KeyPair,
  type PublicKey,
} from './keys.ts';

export interface StoredKey extends PublicKey {
  name: string;
  publicKeyFile: string;
  secretKeyFile: string;
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const SECRET_SUFFIX = '.key.json';
const PUBLIC_SUFFIX = '.pub.json';

export class KeyStore {
  constructor(readonly dir: string) {}

  static defaultDir(): string {
    return join(homedir(), '.penny-ext', 'keys');
  }

  async generate(name: string): Promise<StoredKey> {
    checkName(name);
    await this.ensureDir();
    const pair = generateKeyPair(name);
    const secretKeyFile = join(this.dir, name + SECRET_SUFFIX);
    const publicKeyFile = join(this.dir, name + PUBLIC_SUFFIX);
    try {
      // `wx` never overwrites: losing a publisher key strands every tenant that trusts it.
      await writeFile(secretKeyFile, exportSecretKey(pair), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`a key named ${JSON.stringify(name)} already exists in ${this.dir}; choose another --name or use the existing key`);
      }
      throw error;
    }
    await writeFile(publicKeyFile, exportPublicKey(pair), { mode: 0o644 });
    return { ...stripSecret(pair), name, publicKeyFile, secretKeyFile };
  }

  /** Loads the named key, creating it on first use (for build-time platform keys). */
  async loadOrCreate(name: string): Promise<KeyPair> {
    checkName(name);
    const existing = (await this.list()).find((key) => key.name === name);
    if (existing) return this.load(existing.secretKeyFile);
    await this.generate(name);
    return this.load(name);
  }

  async list(): Promise<StoredKey[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const keys: StoredKey[] = [];
    for (const file of names.filter((entry) => entry.endsWith(SECRET_SUFFIX)).sort()) {
      const name = file.slice(0, -SECRET_SUFFIX.length);
      const publicKeyFile = join(this.dir, name + PUBLIC_SUFFIX);
      const secretKeyFile = join(this.dir, file);
      const publicKey = await readPublicHalf(publicKeyFile, secretKeyFile);
      keys.push({ ...publicKey, name, publicKeyFile, secretKeyFile });
    }
    return keys;
  }

  /** `reference` is a key id, a key name in this store, or the path of a private key file. */
  async load(reference: string): Promise<KeyPair> {
    const stored = await this.find(reference);
    const file = stored?.secretKeyFile ?? reference;
    let text: string;
    try {
      await checkPrivateMode(file);
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(
          `no key ${JSON.stringify(reference)}: not a key id or name in ${this.dir}, nor a key file; list keys with penny-ext keys list or create one with penny-ext keys generate`,
        );
      }
      throw error;
    }
    return importSecretKey(text);
  }

  /** The public half of a stored key, by id or name. */
  async publicKey(reference: string): Promise<StoredKey> {
    const stored = await this.find(reference);
    if (!stored) throw new Error(`no key ${JSON.stringify(reference)} in ${this.dir}; list keys with penny-ext keys list`);
    return stored;
  }

  private async find(reference: string): Promise<StoredKey | undefined> {
    const keys = await this.list();
    return isKeyId(reference) ? keys.find((key) => key.keyId === reference) : keys.find((key) => key.name === reference);
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') await chmod(this.dir, 0o700);
  }
}

async function readPublicHalf(publicKeyFile: string, secretKeyFile: string): Promise<PublicKey> {
  try {
    return importPublicKey(await readFile(publicKeyFile, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return stripSecret(importSecretKey(await readFile(secretKeyFile, 'utf8')));
  }
}

/** Like ssh, refuses a private key others can read: it may already be compromised. */
async function checkPrivateMode(file: string): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `private key file ${file} is accessible to other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${file}, and if others may have read it, generate a new key`,
    );
  }
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name))
    throw new Error(`key name ${JSON.stringify(name)} must be 1-64 letters, digits, dots, dashes or underscores`);
}

function stripSecret(pair: KeyPair): PublicKey {
  return { algorithm: pair.algorithm, keyId: pair.keyId, publicKey: pair.publicKey, ...(pair.name ? { name: pair.name } : {}) };
}
