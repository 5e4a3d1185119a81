// Builds extension sources into signed bundles and places them straight into the catalog and a
// tenant's installations, so extension-runtime tests do not depend on the marketplace routes.
import fs from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { generateKeyPair, pack, sha256Hex, signBundle, type KeyPair } from '@penny/marketplace';
import { extensionId as idOf, validateManifest, type ExtensionManifest, type GrantedPermissions } from '@penny/manifests';
import { Database } from '../src/database/database.service.ts';
import { InstalledExtensions } from '../src/extensions/installed-extensions.ts';
import type { Kernel } from '../src/kernel.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

let key: KeyPair | undefined;

export async function bundleExtension(dir: string): Promise<{ manifest: ExtensionManifest; bytes: Uint8Array }> {
  const validation = validateManifest(JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')));
  if (!validation.ok) throw new Error(`${dir}: ${JSON.stringify(validation.errors)}`);
  const entry = (await fs.stat(path.join(dir, 'src/extension.ts')).then(() => true, () => false)) ? 'src/extension.ts' : 'extension.ts';
  const out = await build({
    entryPoints: [path.join(dir, entry)],
    bundle: true,
    format: 'iife',
    globalName: '__pennyExtension',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const manifest = validation.manifest;
  key ??= generateKeyPair();
  const bytes = signBundle(await pack({ 'manifest.json': JSON.stringify(manifest), [manifest.main!.replace(/^\.\//, '')]: out.outputFiles[0]!.text }), key);
  return { manifest, bytes };
}

export async function installDirectly(kernel: Kernel, tenantId: string, dir: string, granted?: Partial<GrantedPermissions>): Promise<string> {
  const { manifest, bytes } = await bundleExtension(dir);
  const extensionId = idOf(manifest);
  const db = kernel.container.get<Database>(Database);
  const permissions = {
    network: granted?.network ?? manifest.permissions?.network ?? [],
    secrets: granted?.secrets ?? manifest.permissions?.secrets ?? [],
    datasources: granted?.datasources ?? manifest.permissions?.datasources ?? [],
  };
  await db.system(async (em) => {
    const keyId = key!.keyId;
    await em.execute(`INSERT INTO publisher_key (key_id, public_key, publisher) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, [keyId, Buffer.from(key!.publicKey).toString('base64'), manifest.publisher]);
    const digest = sha256Hex(bytes);
    await em.execute(
      `INSERT INTO extension_bundle (extension_id, version, sha256, key_id, manifest, bytes, size) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?) ON CONFLICT DO NOTHING`,
      [extensionId, `${manifest.version}`, digest, keyId, JSON.stringify(manifest), Buffer.from(bytes), bytes.length],
    );
    const [bundle] = await em.execute<{ id: string }[]>(`SELECT id FROM extension_bundle WHERE extension_id = ? AND version = ?`, [extensionId, manifest.version]);
    await em.execute(
      `INSERT INTO extension_installation (tenant_id, extension_id, bundle_id, version, manifest, granted_permissions) VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb)`,
      [tenantId, extensionId, bundle!.id, manifest.version, JSON.stringify(manifest), JSON.stringify(permissions)],
    );
  });
  kernel.container.get<InstalledExtensions>(InstalledExtensions).invalidate(tenantId);
  return extensionId;
}
