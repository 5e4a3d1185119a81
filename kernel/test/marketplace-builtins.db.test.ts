// Built-in extensions go through the marketplace like any other: built, signed with the platform
// key, published, and installed into the demo tenant on the first start only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { scanBuiltinPackages } from '../src/marketplace/builtin-build.ts';
import { BuiltinExtensions } from '../src/marketplace/builtin-extensions.ts';
import { REPOSITORY_EXTENSIONS_DIR } from '../src/marketplace/marketplace.config.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, createTestDatabase, startTestKernel, type TestDatabase, type TestKernel } from './harness.ts';
import { auditEvents, manifestFor, startMarketplaceKernel, tempDir, writeExtensionPackage } from './marketplace.fixtures.ts';

const HELLO_SOURCE = `export function activate(penny: { tools: { register(name: string, fn: () => Promise<unknown>): void } }): void {
  penny.tools.register('say_hello', async () => ({ content: { hello: 'world' } }));
}
`;

const helloManifest = manifestFor({
  name: 'hello-tool',
  publisher: 'penny',
  permissions: { network: ['api.hello.test'], secrets: [], datasources: [] },
  contributes: { tools: [{ name: 'say_hello', description: 'Says hello', parameters: { type: 'object' } }] },
});

const syncOf = (k: TestKernel) => k.kernel.container.get(BuiltinExtensions).lastSync!;

describe('built-in extensions', () => {
  let db: TestDatabase;
  let builtins: string;
  let k: TestKernel | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    builtins = await tempDir('builtins');
    await writeExtensionPackage(builtins, helloManifest, HELLO_SOURCE);
    // Not an extension (no engines.penny): skipped without complaint.
    await fs.mkdir(path.join(builtins, 'shared-helpers'));
    await fs.writeFile(path.join(builtins, 'shared-helpers', 'package.json'), JSON.stringify({ name: '@penny/shared-helpers', version: '1.0.0' }));
    // An extension whose manifest is wrong: reported, and the others still go through.
    await fs.mkdir(path.join(builtins, 'broken'));
    await fs.writeFile(path.join(builtins, 'broken', 'manifest.json'), JSON.stringify({ name: 'broken', publisher: 'penny', version: 'one', engines: { penny: '^1.0.0' } }));
  });
  afterAll(async () => {
    await k?.stop();
    await db?.drop();
    await fs.rm(builtins, { recursive: true, force: true });
  });

  it('publishes them signed by the platform key and installs them into the demo tenant on first start', async () => {
    k = await startMarketplaceKernel({ builtinsDir: builtins, database: db });
    const sync = syncOf(k);
    expect(sync.published).toEqual(['penny.hello-tool@1.0.0']);
    expect(sync.installed).toEqual(['penny.hello-tool']);
    expect(sync.failed).toEqual([{ extension: 'penny.broken@one', error: expect.stringContaining('version: must be a semantic version') }]);

    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    const installed = await admin.get('/v1/extensions');
    expect(installed.body).toEqual([
      expect.objectContaining({ extensionId: 'penny.hello-tool', version: '1.0.0', status: 'enabled', trusted: true, permissions: { network: ['api.hello.test'], secrets: [], datasources: [], sidecars: [] } }),
    ]);

    const keys = await admin.get('/v1/marketplace/keys');
    const platform = keys.body.find((key: { isPlatform: boolean }) => key.isPlatform);
    expect(platform).toMatchObject({ publisher: 'penny', keyId: installed.body[0].keyId });
    const trusted = await admin.get('/v1/marketplace/trusted-keys');
    expect(trusted.body).toEqual([expect.objectContaining({ keyId: platform.keyId, implicit: true })]);
    const distrust = await admin.delete(`/v1/marketplace/trusted-keys/${platform.keyId}`);
    expect(distrust.status).toBe(409);
    expect(distrust.body.detail).toContain('platform key');

    // The private key stays on this machine, readable by the kernel's user only.
    const keyFile = path.join(db.dataDir, 'keys', 'platform.key.json');
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(db.dataDir, 'keys'))).mode & 0o777).toBe(0o700);

    const events = await auditEvents(admin, 'extension.installed');
    expect(events).toEqual([expect.objectContaining({ actor: 'system', target: 'extension:penny.hello-tool', outcome: 'success' })]);
    const published = await auditEvents(admin, 'extension.published', true);
    expect(published).toEqual([expect.objectContaining({ actor: 'system', target: 'extension:penny.hello-tool@1.0.0' })]);
  });

  it('does not publish again on a restart, and leaves an uninstalled built-in uninstalled', async () => {
    const admin = await new Api(k!.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    expect((await admin.delete('/v1/extensions/penny.hello-tool')).status).toBe(204);
    await k!.stop();
    k = await startMarketplaceKernel({ builtinsDir: builtins, database: db });
    // Nothing the last build of hello-tool read has changed, so it is not built again; the broken
    // package, which never got through, is tried again.
    expect(syncOf(k)).toMatchObject({ built: ['penny.broken@one'], published: [], unchanged: ['penny.hello-tool@1.0.0'], installed: [] });
    const again = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    expect((await again.get('/v1/extensions')).body).toEqual([]);
    expect((await again.get('/v1/marketplace/extensions')).body.map((e: { extensionId: string }) => e.extensionId)).toEqual(['penny.hello-tool']);
  });

  it('reports a built-in changed without raising its version instead of replacing the published one', async () => {
    await fs.appendFile(path.join(builtins, 'hello-tool', 'src', 'extension.ts'), '\nexport const changed = true;\n');
    await k!.stop();
    k = await startMarketplaceKernel({ builtinsDir: builtins, database: db });
    expect(syncOf(k)).toMatchObject({ built: ['penny.broken@one', 'penny.hello-tool@1.0.0'], published: [], unchanged: [], stale: ['penny.hello-tool@1.0.0'] });
  });
});

describe("the repository's own built-ins", () => {
  let k: TestKernel;
  beforeAll(async () => {
    k = await startTestKernel();
  });
  afterAll(async () => k?.stop());

  it('are all published and installed into the demo tenant of a fresh kernel', async () => {
    const { packages, problems } = await scanBuiltinPackages(REPOSITORY_EXTENSIONS_DIR);
    expect(problems).toEqual([]);
    expect(packages.length).toBeGreaterThan(0);
    const sync = syncOf(k);
    expect(sync.failed).toEqual([]);
    expect(sync.published.sort()).toEqual(packages.map((p) => `${p.manifest.publisher}.${p.manifest.name}@${p.manifest.version}`).sort());
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    const installed = (await admin.get('/v1/extensions')).body.map((e: { extensionId: string; status: string }) => `${e.extensionId}:${e.status}`);
    expect(installed).toEqual(packages.map((p) => `${p.manifest.publisher}.${p.manifest.name}:enabled`).sort());
  });
});
