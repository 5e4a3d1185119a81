// Air-gapped installs: a directory of .pennyext files (an offline mirror) is imported through the
// same verification as an upload, on request and at start from PENNY_EXTENSIONS_MIRROR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { packFiles, unpack, type KeyPair } from '@penny/marketplace';
import { loadMarketplaceConfig } from '../src/marketplace/marketplace.config.ts';
import { MirrorImportAtStart } from '../src/marketplace/offline-mirror.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, createTestDatabase, type TestDatabase, type TestKernel } from './harness.ts';
import { accept, auditEvents, newKey, registerKey, signedBundle, startMarketplaceKernel, tempDir } from './marketplace.fixtures.ts';

const LIMIT = 256 * 1024;

describe('offline mirror', () => {
  let db: TestDatabase;
  let k: TestKernel;
  let admin: Api;
  let mirror: string;
  let acme: KeyPair;

  beforeAll(async () => {
    db = await createTestDatabase();
    mirror = await tempDir('mirror');
    acme = newKey('acme');
    const good = signedBundle(acme, { version: '1.0.0' });
    const files = new Map(unpack(signedBundle(acme, { version: '1.0.1' })).files.map((f) => [f.path, f.bytes]));
    files.set('dist/extension.js', new TextEncoder().encode('/* changed in transit */'));
    await fs.writeFile(path.join(mirror, 'acme.kpi-tool-1.0.0.pennyext'), good);
    await fs.writeFile(path.join(mirror, 'acme.kpi-tool-1.0.1.pennyext'), packFiles([...files].map(([p, bytes]) => ({ path: p, bytes }))));
    await fs.writeFile(path.join(mirror, 'stranger.pennyext'), signedBundle(newKey('stranger'), { name: 'stranger-tool', publisher: 'stranger' }));
    await fs.writeFile(path.join(mirror, 'huge.pennyext'), new Uint8Array(LIMIT + 1));
    await fs.writeFile(path.join(mirror, 'README.txt'), 'not a bundle');
    k = await startMarketplaceKernel({ database: db, maxBundleBytes: LIMIT });
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    expect((await registerKey(admin, 'acme', acme)).status).toBe(201);
  });
  afterAll(async () => {
    await k?.stop();
    await db?.drop();
    await fs.rm(mirror, { recursive: true, force: true });
  });

  it('imports the good bundles and reports each refusal', async () => {
    const res = await admin.post('/v1/marketplace/import-directory', { path: mirror });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ directory: mirror, published: 1, unchanged: 0, refused: 3 });
    expect(res.body.files).toEqual([
      { file: 'acme.kpi-tool-1.0.0.pennyext', status: 'published', extensionId: 'acme.kpi-tool', version: '1.0.0' },
      expect.objectContaining({ file: 'acme.kpi-tool-1.0.1.pennyext', status: 'refused', reason: 'file_modified' }),
      expect.objectContaining({ file: 'huge.pennyext', status: 'refused', reason: 'too_large' }),
      expect.objectContaining({ file: 'stranger.pennyext', status: 'refused', reason: 'unknown_key' }),
    ]);
    expect(await auditEvents(admin, 'extension.publishRefused', true)).toHaveLength(3);
    expect(await auditEvents(admin, 'extension.mirrorImported', true)).toHaveLength(1);
  });

  it('skips what it already imported', async () => {
    const res = await admin.post('/v1/marketplace/import-directory', { path: mirror });
    expect(res.body).toMatchObject({ published: 0, unchanged: 1, refused: 3 });
  });

  it('installs an imported extension like any other', async () => {
    expect((await admin.post('/v1/marketplace/trusted-keys', { keyId: acme.keyId })).status).toBe(201);
    const res = await admin.post('/v1/extensions/install', { extensionId: 'acme.kpi-tool', acceptPermissions: accept({ network: ['api.acme.test'] }) });
    expect(res.status).toBe(201);
  });

  it('refuses paths it cannot use, and callers who are not platform administrators', async () => {
    expect((await admin.post('/v1/marketplace/import-directory', { path: 'relative/dir' })).status).toBe(400);
    const missing = await admin.post('/v1/marketplace/import-directory', { path: path.join(mirror, 'nope') });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('cannot read the directory');
    expect(await auditEvents(admin, 'extension.mirrorImportRefused', true)).toHaveLength(2);
    const pat = await admin.post('/v1/tokens', { name: 'ops', roles: ['admin'] });
    expect((await new Api(k.url, pat.body.token).post('/v1/marketplace/import-directory', { path: mirror })).status).toBe(403);
  });

  it('imports the mirror named by PENNY_EXTENSIONS_MIRROR at start', async () => {
    expect(loadMarketplaceConfig({ PENNY_EXTENSIONS_MIRROR: mirror }, { dataDir: db.dataDir }).mirrorDir).toBe(mirror);
    await fs.writeFile(path.join(mirror, 'acme.kpi-tool-1.1.0.pennyext'), signedBundle(acme, { version: '1.1.0' }));
    await k.stop();
    k = await startMarketplaceKernel({ database: db, maxBundleBytes: LIMIT, mirrorDir: mirror });
    const imported = k.kernel.container.get(MirrorImportAtStart).lastImport;
    expect(imported).toMatchObject({ published: 1, unchanged: 1, refused: 3 });
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    expect((await admin.get('/v1/extensions')).body[0]).toMatchObject({ version: '1.0.0', latestVersion: '1.1.0', updateAvailable: true, updateRequiresAcceptance: false });
  });
});
