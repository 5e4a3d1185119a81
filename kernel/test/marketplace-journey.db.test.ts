// The whole journey of a new extension, as its author and a tenant admin live it: scaffold, build,
// pack, generate a key and sign with the real penny-ext CLI; register the key and publish; review
// the permissions and install in one tenant; use the tool there (and only there); uninstall.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, type TestKernel } from './harness.ts';
import { accept, auditEvents, startMarketplaceKernel, tempDir } from './marketplace.fixtures.ts';

const CLI = fileURLToPath(new URL('../../marketplace/bin/penny-ext.mjs', import.meta.url));

function pennyExt(cwd: string, home: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, HOME: home, PENNY_EXT_KEYS_DIR: path.join(home, 'keys') };
    execFile(process.execPath, [CLI, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`penny-ext ${args.join(' ')} failed: ${stderr || stdout || error.message}`)) : resolve(stdout),
    );
  });
}

describe('from scaffold to an installed tool', () => {
  let k: TestKernel;
  let home: string;
  let project: string;
  let platform: Api;
  let tenantAdmin: Api;
  let bundle: string;
  let keyId: string;

  beforeAll(async () => {
    k = await startMarketplaceKernel();
    home = await tempDir('author');
    project = path.join(home, 'word-count');
    platform = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await platform.post('/v1/tenants', { slug: 'acme-corp', name: 'Acme Corp' })).status).toBe(201);
    tenantAdmin = new Api(k.url, platform.token, 'acme-corp');
  });
  afterAll(async () => {
    await k?.stop();
    await fs.rm(home, { recursive: true, force: true });
  });

  it('scaffolds, builds, packs and signs with penny-ext', async () => {
    await pennyExt(home, home, 'new', 'tool', 'word-count', '--publisher', 'acme', '--engine', '^1.0.0');
    // The author's extension calls out to one host, which the tenant admin will have to accept.
    const manifestFile = path.join(project, 'package.json');
    const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
    manifest.permissions.network = ['dictionary.acme.test'];
    await fs.writeFile(manifestFile, JSON.stringify(manifest, null, 2));

    await pennyExt(project, home, 'build');
    expect(await pennyExt(project, home, 'pack')).toContain('acme.word-count-0.1.0.pennyext');
    bundle = path.join(project, 'acme.word-count-0.1.0.pennyext');
    await pennyExt(project, home, 'keys', 'generate', 'acme');
    await pennyExt(project, home, 'sign', bundle, '--key', 'acme');
    await pennyExt(project, home, 'keys', 'export', 'acme', '--out', path.join(home, 'acme.pub.json'));
    expect(await pennyExt(project, home, 'verify', bundle, '--trust', path.join(home, 'acme.pub.json'), '--engine', '1.0.0')).toContain('acme.word-count');
  });

  it('publishes once the platform knows the key', async () => {
    await expect(pennyExt(project, home, 'publish', bundle, '--url', k.url, '--token', platform.token!)).rejects.toThrow(/not registered on this platform/);

    const document = JSON.parse(await fs.readFile(path.join(home, 'acme.pub.json'), 'utf8'));
    keyId = document.keyId;
    const registered = await platform.post('/v1/marketplace/keys', { publisher: 'acme', key: document });
    expect(registered.body).toMatchObject({ keyId, publisher: 'acme', isPlatform: false });

    expect(await pennyExt(project, home, 'publish', bundle, '--url', k.url, '--token', platform.token!)).toContain('published acme.word-count');
    const published = await auditEvents(platform, 'extension.published', true);
    expect(published[0]).toMatchObject({ target: 'extension:acme.word-count@0.1.0', actor: ADMIN_EMAIL });
  });

  it('lets the tenant admin review the permissions and install it', async () => {
    const [listed] = (await tenantAdmin.get('/v1/marketplace/extensions?q=word')).body;
    expect(listed).toMatchObject({ extensionId: 'acme.word-count', version: '0.1.0', trusted: false, permissions: { network: ['dictionary.acme.test'] } });
    expect(listed.contributions.tools).toEqual([{ id: 'word_count', title: 'Counts the words in a text.' }]);

    expect((await tenantAdmin.post('/v1/marketplace/trusted-keys', { keyId })).status).toBe(201);
    const unreviewed = await tenantAdmin.post('/v1/extensions/install', { extensionId: 'acme.word-count' });
    expect(unreviewed.status).toBe(409);
    expect(unreviewed.body.required.network).toEqual(['dictionary.acme.test']);

    const installed = await tenantAdmin.post('/v1/extensions/install', { extensionId: 'acme.word-count', acceptPermissions: accept({ network: ['dictionary.acme.test'] }) });
    expect(installed.status).toBe(201);
    expect(installed.body).toMatchObject({ extensionId: 'acme.word-count', version: '0.1.0', status: 'enabled', keyId });
  });

  it('offers the tool to that tenant only, and it runs', async () => {
    expect((await tenantAdmin.get('/v1/extensions')).body.map((e: { extensionId: string }) => e.extensionId)).toEqual(['acme.word-count']);
    const demo = new Api(k.url, platform.token, 'demo');
    expect((await demo.get('/v1/extensions')).body).toEqual([]);

    const tools = await tenantAdmin.get('/v1/tools');
    expect(tools.status).toBe(200);
    expect(JSON.stringify(tools.body)).toContain('word_count');
    expect(JSON.stringify((await demo.get('/v1/tools')).body)).not.toContain('word_count');

    const result = await tenantAdmin.post('/v1/tools/word_count/invoke', { arguments: { text: 'one two  three' } });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ tool: 'word_count', extensionId: 'acme.word-count', content: { words: 3 } });
  });

  it('removes the tool on uninstall', async () => {
    expect((await tenantAdmin.delete('/v1/extensions/acme.word-count')).status).toBe(204);
    expect((await tenantAdmin.get('/v1/extensions')).body).toEqual([]);
    expect(JSON.stringify((await tenantAdmin.get('/v1/tools')).body)).not.toContain('word_count');
    expect((await tenantAdmin.post('/v1/tools/word_count/invoke', { arguments: { text: 'x' } })).status).toBe(404);
    const actions = (await auditEvents(tenantAdmin, 'extension')).map((e) => `${e.action}:${e.outcome}`).reverse();
    expect(actions).toEqual(['extension.installRefused:denied', 'extension.installed:success', 'extension.uninstalled:success']);
  });
});
