// Tampered, forged and unsafe bundles sent over HTTP: each is refused with a problem that names
// the reason, and the refusal is in the audit log. Installing re-verifies against the tenant's own
// trust, so a bundle changed in the database after publishing is refused too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packFiles, unpack, type KeyPair } from '@penny/marketplace';
import { Database } from '../src/database/database.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, type TestKernel } from './harness.ts';
import { accept, auditEvents, bundleFiles, manifestFor, newKey, registerKey, sign, signedBundle, startMarketplaceKernel, upload } from './marketplace.fixtures.ts';

const MiB = 1024 * 1024;

/** Unpacks, lets the test change the files (signature.json included), and zips them again. */
function rewrite(bundle: Uint8Array, change: (files: Map<string, Uint8Array>) => void): Uint8Array {
  const files = new Map(unpack(bundle).files.map((f) => [f.path, f.bytes]));
  change(files);
  return packFiles([...files].map(([path, bytes]) => ({ path, bytes })));
}

function replaceBytes(haystack: Uint8Array, from: string, to: string): Uint8Array {
  const out = Buffer.from(haystack);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  if (at < 0) throw new Error(`${from} not found`);
  for (; at >= 0; at = out.indexOf(needle, at + 1)) Buffer.from(to).copy(out, at);
  return new Uint8Array(out);
}

describe('tampered and forged bundles', () => {
  let k: TestKernel;
  let admin: Api;
  let acme: KeyPair;

  beforeAll(async () => {
    k = await startMarketplaceKernel();
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    acme = newKey('acme');
    expect((await registerKey(admin, 'acme', acme)).status).toBe(201);
  });
  afterAll(async () => k?.stop());

  /** Uploads, expects the refusal, and finds exactly one more denied publish in the platform audit chain. */
  async function expectRefused(bytes: Uint8Array, status: number, reason: string): Promise<string> {
    const before = (await auditEvents(admin, 'extension.publishRefused', true)).length;
    const res = await upload(admin, bytes);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect({ status: res.status, code: res.body.code, reason: res.body.reason }).toEqual({ status, code: 'bundle_rejected', reason });
    const after = await auditEvents(admin, 'extension.publishRefused', true);
    expect(after).toHaveLength(before + 1);
    expect(after[0]).toMatchObject({ outcome: 'denied', actor: ADMIN_EMAIL });
    return res.body.detail as string;
  }

  it('publishes the untouched bundle', async () => {
    const res = await upload(admin, signedBundle(acme));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ extensionId: 'acme.kpi-tool', version: '1.0.0', keyId: acme.keyId, permissions: { network: ['api.acme.test'] } });
  });

  it('refuses a file changed after signing', async () => {
    const honest = signedBundle(acme, { version: '1.0.1' });
    const tampered = rewrite(honest, (files) => files.set('dist/extension.js', new TextEncoder().encode('fetch("https://evil.test")')));
    expect(await expectRefused(tampered, 422, 'file_modified')).toContain('dist/extension.js');
  });

  it('refuses a flipped byte in the compressed data of an entry', async () => {
    const bytes = signedBundle(acme, { version: '1.0.2' });
    // The first occurrence is the local header's name; the entry's data follows it directly.
    const at = Buffer.from(bytes).indexOf(Buffer.from('dist/extension.js')) + 'dist/extension.js'.length + 5;
    bytes[at] = bytes[at]! ^ 0xff;
    await expectRefused(bytes, 422, 'corrupt_bundle');
  });

  it('refuses a swapped manifest', async () => {
    const honest = signedBundle(acme, { version: '1.0.3' });
    const greedy = manifestFor({ version: '1.0.3', permissions: { network: ['*.evil.test'], secrets: ['DB_PASSWORD'], datasources: [] } });
    const swapped = rewrite(honest, (files) => files.set('manifest.json', new TextEncoder().encode(JSON.stringify(greedy))));
    expect(await expectRefused(swapped, 422, 'bad_signature')).toContain('manifest.json differs from the one that was signed');
  });

  it('refuses a bundle signed by a key nobody registered', async () => {
    const stranger = newKey('stranger');
    const detail = await expectRefused(signedBundle(stranger, { version: '1.0.4' }), 422, 'unknown_key');
    expect(detail).toContain(stranger.keyId);
    expect(detail).toContain('POST /v1/marketplace/keys');
  });

  it("refuses a bundle re-signed by another publisher's registered key", async () => {
    const mallory = newKey('mallory');
    expect((await registerKey(admin, 'mallory', mallory)).status).toBe(201);
    const honest = signedBundle(acme, { version: '1.0.5' });
    const resigned = sign(
      new Map(unpack(honest).files.filter((f) => f.path !== 'signature.json').map((f) => [f.path, f.path === 'dist/extension.js' ? new TextEncoder().encode('/* evil */') : f.bytes])),
      mallory,
    );
    expect(await expectRefused(resigned, 422, 'publisher_mismatch')).toContain('"mallory"');
  });

  it('refuses an entry that escapes the bundle (zip slip)', async () => {
    const files = bundleFiles(manifestFor({ version: '1.0.6' }));
    files.set('zz/evil.js', new TextEncoder().encode('owned'));
    const slipped = replaceBytes(sign(files, acme), 'zz/evil.js', '../evil.js');
    expect(await expectRefused(slipped, 422, 'unsafe_path')).toContain('..');
  });

  it('refuses an oversized upload with 413, after reading it to the end', async () => {
    const huge = new Uint8Array(20 * MiB + 1);
    expect(await expectRefused(huge, 413, 'too_large')).toContain(`${20 * MiB + 1} bytes`);
  });

  it('refuses an invalid manifest, listing the fields', async () => {
    const res = await upload(admin, sign(bundleFiles(manifestFor({ version: '1.0.7', activationEvents: ['*'] })), acme));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'manifest_invalid', errors: [expect.objectContaining({ path: 'activationEvents[0]' })] });
  });

  it('refuses an engine range this kernel does not satisfy', async () => {
    const detail = await expectRefused(signedBundle(acme, { version: '1.0.8', engines: { penny: '^2.0.0' } }), 422, 'engine_mismatch');
    expect(detail).toContain('this is Penny 1.0.0');
  });

  it('refuses a second bundle for a published version', async () => {
    const before = (await auditEvents(admin, 'extension.publishRefused', true)).length;
    const res = await upload(admin, signedBundle(acme));
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('raise the version');
    expect(await auditEvents(admin, 'extension.publishRefused', true)).toHaveLength(before + 1);
  });

  it('refuses anything but the bundle media type', async () => {
    const res = await admin.post('/v1/marketplace/bundles', { bundle: 'base64…' });
    expect(res.status).toBe(415);
    expect(res.body.detail).toContain('application/vnd.penny.extension+zip');
  });

  it('refuses publishing by anyone but a platform administrator, before reading the body', async () => {
    const pat = await admin.post('/v1/tokens', { name: 'publisher', roles: ['admin'] });
    const res = await upload(new Api(k.url, pat.body.token), signedBundle(acme, { version: '1.1.0' }));
    expect(res.status).toBe(403);
  });

  it('refuses to install a catalog bundle signed by a key this tenant does not trust', async () => {
    const res = await admin.post('/v1/extensions/install', { extensionId: 'acme.kpi-tool', acceptPermissions: accept({ network: ['api.acme.test'] }) });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'untrusted_key', keyId: acme.keyId });
    expect(res.body.detail).toContain('POST /v1/marketplace/trusted-keys');
    expect(await auditEvents(admin, 'extension.installRefused')).toEqual([expect.objectContaining({ outcome: 'denied', target: 'extension:acme.kpi-tool' })]);
  });

  it('refuses to install a bundle changed in the database after it was published', async () => {
    expect((await admin.post('/v1/marketplace/trusted-keys', { keyId: acme.keyId })).status).toBe(201);
    const db = k.kernel.container.get<Database>(Database);
    const [row] = await db.query<{ bytes: Buffer }>(`SELECT bytes FROM extension_bundle WHERE extension_id = 'acme.kpi-tool' AND version = '1.0.0'`);
    const changed = rewrite(new Uint8Array(row!.bytes), (files) => files.set('dist/extension.js', new TextEncoder().encode('/* swapped at rest */')));
    await db.system((em) => em.execute(`UPDATE extension_bundle SET bytes = ? WHERE extension_id = 'acme.kpi-tool' AND version = '1.0.0'`, [Buffer.from(changed)]));
    const res = await admin.post('/v1/extensions/install', { extensionId: 'acme.kpi-tool', version: '1.0.0', acceptPermissions: accept({ network: ['api.acme.test'] }) });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'file_modified', path: 'dist/extension.js' });
    expect((await admin.get('/v1/extensions')).body).toEqual([]);
    expect(await auditEvents(admin, 'extension.installRefused')).toHaveLength(2);
  });
});
