// Shared by the marketplace suites: kernels with the marketplace pointed at test directories, signed
// bundles built in memory, extension packages on disk, and raw uploads over HTTP.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ContainerModule } from 'inversify';
import { exportPublicKey, generateKeyPair, packFiles, signBundle, type KeyPair } from '@penny/marketplace';
import type { ExtensionManifest } from '@penny/manifests';
import { loadMarketplaceConfig, MarketplaceConfig } from '../src/marketplace/marketplace.config.ts';
import { BUNDLE_MEDIA_TYPE } from '../src/marketplace/bundle-upload.ts';
import { createTestDatabase, startTestKernel, type Api, type ApiResponse, type TestDatabase, type TestKernel } from './harness.ts';

export { BUNDLE_MEDIA_TYPE };

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `penny-${prefix}-`));
}

/** A kernel whose built-ins come from `builtinsDir` (none when null) and whose mirror is `mirrorDir`. */
export async function startMarketplaceKernel(
  options: { builtinsDir?: string | null; mirrorDir?: string | null; maxBundleBytes?: number; database?: TestDatabase } = {},
): Promise<TestKernel> {
  const database = options.database ?? (await createTestDatabase());
  const module = new ContainerModule(({ rebind }) => {
    rebind(MarketplaceConfig).toConstantValue({
      ...loadMarketplaceConfig({}, { dataDir: database.dataDir }),
      builtinsDir: options.builtinsDir ?? null,
      mirrorDir: options.mirrorDir ?? null,
      ...(options.maxBundleBytes ? { maxBundleBytes: options.maxBundleBytes } : {}),
    });
  });
  const kernel = await startTestKernel({ modules: [module], database });
  return {
    ...kernel,
    async stop() {
      await kernel.stop();
      if (!options.database) await database.drop();
    },
  };
}

const encode = (text: string) => new TextEncoder().encode(text);

export function manifestFor(overrides: Partial<ExtensionManifest> = {}): ExtensionManifest {
  return {
    name: 'kpi-tool',
    publisher: 'acme',
    version: '1.0.0',
    displayName: 'KPI tool',
    description: 'Reports company KPIs.',
    engines: { penny: '^1.0.0' },
    main: 'dist/extension.js',
    permissions: { network: ['api.acme.test'], secrets: [], datasources: [] },
    contributes: { tools: [{ name: 'get_kpis', description: 'Company KPIs', parameters: { type: 'object' } }] },
    ...overrides,
  };
}

export function bundleFiles(manifest: ExtensionManifest): Map<string, Uint8Array> {
  const main = `var __pennyExtension = { activate(penny) { penny.tools.register(${JSON.stringify(manifest.contributes?.tools?.[0]?.name ?? 'noop')}, async () => ({ content: { ok: true } })); } };\n`;
  return new Map([
    ['manifest.json', encode(JSON.stringify(manifest, null, 2))],
    ['dist/extension.js', encode(main)],
    ['README.md', encode(`# ${manifest.name}\n`)],
  ]);
}

export function sign(files: Map<string, Uint8Array>, key: KeyPair): Uint8Array {
  return signBundle(packFiles([...files].map(([p, bytes]) => ({ path: p, bytes }))), key);
}

export function signedBundle(key: KeyPair, overrides: Partial<ExtensionManifest> = {}): Uint8Array {
  return sign(bundleFiles(manifestFor(overrides)), key);
}

export function newKey(name: string): KeyPair {
  return generateKeyPair(name);
}

/** POSTs raw bundle bytes the way `penny-ext publish` does. */
export async function upload(api: Api, bytes: Uint8Array, contentType = BUNDLE_MEDIA_TYPE): Promise<ApiResponse> {
  const res = await fetch(`${api.baseUrl}/v1/marketplace/bundles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': contentType },
    body: bytes,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export async function registerKey(admin: Api, publisher: string, key: KeyPair): Promise<ApiResponse> {
  return admin.post('/v1/marketplace/keys', { publisher, key: JSON.parse(exportPublicKey(key)) });
}

export const accept = (p: Partial<Record<'network' | 'secrets' | 'datasources' | 'sidecars', string[]>> = {}) => ({
  network: [],
  secrets: [],
  datasources: [],
  sidecars: [],
  ...p,
});

/** The newest audit events of a chain with this action (tenant chain, or platform with `platform`). */
export async function auditEvents(api: Api, action: string, platform = false): Promise<{ action: string; outcome: string; target: string; actor: string }[]> {
  const res = await api.get(`${platform ? '/v1/platform/audit' : '/v1/audit'}?action=${encodeURIComponent(action)}&limit=100`);
  if (res.status !== 200) throw new Error(`audit read failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items;
}

/** Writes an extension package the built-ins builder understands. */
export async function writeExtensionPackage(root: string, manifest: ExtensionManifest, source: string): Promise<string> {
  const dir = path.join(root, manifest.name);
  await fs.mkdir(path.join(dir, 'src'), { recursive: true });
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await fs.writeFile(path.join(dir, 'src', 'extension.ts'), source);
  await fs.writeFile(path.join(dir, 'README.md'), `# ${manifest.name}\n`);
  return dir;
}
