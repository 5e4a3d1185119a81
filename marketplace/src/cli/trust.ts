// Commands about keys and signatures: keys generate|list|export, sign, verify.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { engineSatisfies, validateManifest } from '@penny/manifests';
import { readEntries } from '../bundle.ts';
import { BundleError } from '../errors.ts';
import { exportPublicKey, importPublicKey, publicKeyOf, type PublicKey } from '../keys.ts';
import { KeyStore } from '../keystore.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { signBundle } from '../sign.ts';
import { readManifest, SIGNATURE_FILE } from '../signature.ts';
import { verifyBundle } from '../verify.ts';
import { CliError } from './errors.ts';

type Print = (line: string) => void;

export async function keysGenerate(store: KeyStore, name: string, print: Print): Promise<void> {
  const key = await wrap(() => store.generate(name));
  print(`generated key ${key.name}: ${key.keyId}`);
  print(`  private: ${key.secretKeyFile} (keep it secret and backed up; it cannot be recovered)`);
  print(`  public:  ${key.publicKeyFile} (give this to tenant admins: penny-ext keys export ${key.name})`);
}

export async function keysList(store: KeyStore, print: Print): Promise<void> {
  const keys = await store.list();
  if (keys.length === 0) {
    print(`no keys in ${store.dir}; create one with penny-ext keys generate <name>`);
    return;
  }
  for (const key of keys) print(`${key.name}\t${key.keyId}`);
}

export async function keysExport(store: KeyStore, reference: string, out: string | undefined, print: Print): Promise<void> {
  const key = await wrap(() => store.publicKey(reference));
  const text = exportPublicKey(key);
  if (out) {
    await writeFile(out, text);
    print(`wrote public key ${key.keyId} to ${out}`);
  } else {
    print(text.trimEnd());
  }
}

export async function signCommand(
  bundlePath: string,
  options: { key: string; out?: string },
  store: KeyStore,
  print: Print,
): Promise<void> {
  const bytes = await readBundle(bundlePath);
  const key = await wrap(() => store.load(options.key));
  // Signing something the kernel would refuse only postpones the error to a tenant admin.
  const manifest = wrapBundle(() => readManifest(readEntries(bytes, DEFAULT_LIMITS).filter((entry) => entry.path !== SIGNATURE_FILE)));
  const validation = validateManifest(manifest.json);
  if (!validation.ok) {
    throw new CliError(
      `${manifest.path} in the bundle is not a valid manifest:\n${validation.errors.map((error) => `  - ${error.message}`).join('\n')}\nfix it, then build and pack again`,
    );
  }
  const signed = wrapBundle(() => signBundle(bytes, key));
  const check = verifyBundle(signed, { trustedKeys: [publicKeyOf(key)], engineVersion: null, validateManifest });
  if (!check.ok) throw new CliError(`the signed bundle does not verify: ${check.message}`);
  const out = options.out ?? bundlePath;
  await writeFile(out, signed);
  print(`signed ${out} with ${key.name ?? 'key'} ${key.keyId} (${check.files.length} files)`);
}

export interface VerifyCommandOptions {
  trust: string[];
  engine?: string;
  json?: boolean;
}

export async function verifyCommand(bundlePath: string, options: VerifyCommandOptions, store: KeyStore, print: Print): Promise<void> {
  if (options.trust.length === 0) {
    throw new CliError('say which publisher keys to trust: --trust <public key file, key id or key name> (repeatable)');
  }
  const trustedKeys = await Promise.all(options.trust.map((reference) => trustedKey(reference, store)));
  const bytes = await readBundle(bundlePath);
  const result = verifyBundle(bytes, { trustedKeys, engineVersion: options.engine ?? null, validateManifest, engineSatisfies });
  if (options.json) {
    const summary = result.ok
      ? {
          ok: true,
          id: `${result.manifest.publisher}.${result.manifest.name}`,
          version: result.manifest.version,
          keyId: result.keyId,
          signedAt: result.signedAt,
          files: result.files.map(({ path, sha256, size }) => ({ path, sha256, size })),
        }
      : result;
    print(JSON.stringify(summary, null, 2));
  }
  if (!result.ok) throw new CliError(`${bundlePath} failed verification [${result.code}]: ${result.message}`, 1);
  if (options.json) return;
  const { manifest } = result;
  const signer = trustedKeys.find((key) => key.keyId === result.keyId);
  print(
    `verified ${manifest.publisher}.${manifest.name}@${manifest.version}: signed by ${signer?.name ? `${signer.name} ` : ''}${result.keyId} at ${result.signedAt}, ${result.files.length} files intact`,
  );
  const permissions = manifest.permissions ?? {};
  print(
    `  permissions: network [${(permissions.network ?? []).join(', ')}], secrets [${(permissions.secrets ?? []).join(', ')}], datasources [${(permissions.datasources ?? []).join(', ')}]`,
  );
  if (options.engine === undefined)
    print(`  engine range ${manifest.engines.penny} not checked; pass --engine <penny version> to check it`);
}

async function trustedKey(reference: string, store: KeyStore): Promise<PublicKey> {
  if (existsSync(reference)) {
    try {
      return importPublicKey(await readFile(reference, 'utf8'));
    } catch (error) {
      throw new CliError(`cannot trust ${reference}: ${(error as Error).message}`);
    }
  }
  return wrap(() => store.publicKey(reference));
}

export async function readBundle(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(resolve(path)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`${path} does not exist; create a bundle with penny-ext pack`);
    throw error;
  }
}

/** Key store and key file errors already say what to do; show them without a stack. */
async function wrap<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof Error && !(error instanceof CliError) ? new CliError(error.message) : error;
  }
}

function wrapBundle<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof BundleError) throw new CliError(`the bundle is unusable [${error.code}]: ${error.message}`);
    throw error;
  }
}
