// Every way a bundle can be altered after signing, checked through the public API.

import { describe, expect, it } from 'vitest';
import { deflateSync } from 'fflate';
import { crc32 } from 'node:zlib';
import {
  comparePermissions,
  generateKeyPair,
  isDowngrade,
  packFiles,
  publicKeyOf,
  signBundle,
  unpack,
  verifyBundle,
  verifyExtensionBundle,
  type VerifyFailure,
  type VerifyResult,
} from '../src/index.ts';
import { bundleFiles, craftZip, manifestFor, rewrite, signedBundle, toList, validate } from './fixtures.ts';

const { publisher, bundle } = signedBundle();
const trusted = [publicKeyOf(publisher)];
const verify = (bytes: Uint8Array, options: Partial<Parameters<typeof verifyExtensionBundle>[1]> = {}) =>
  verifyExtensionBundle(bytes, { trustedKeys: trusted, engineVersion: '1.4.0', ...options });

function expectFailure(result: VerifyResult<unknown>, code: VerifyFailure['code']): VerifyFailure {
  if (result.ok) throw new Error(`expected ${code}, but the bundle verified`);
  expect(result.code, result.message).toBe(code);
  return result;
}

function unpackError(bytes: Uint8Array, limits?: Parameters<typeof unpack>[1]): { code: string; message: string } {
  try {
    unpack(bytes, limits);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected unpack to refuse the bundle');
}

describe('an untouched bundle', () => {
  it('verifies and reports what was signed', () => {
    const result = verify(bundle);
    if (!result.ok) throw new Error(result.message);
    expect(result.keyId).toBe(publisher.keyId);
    expect(result.manifest.name).toBe('echo-table');
    expect(result.files.map((file) => file.path)).toEqual(['README.md', 'dist/extension.js', 'dist/renderer.js', 'manifest.json']);
  });
});

describe('tampering after signing', () => {
  it('refuses a flipped byte in a file', () => {
    const tampered = rewrite(bundle, (files) => {
      const code = files.get('dist/extension.js')!;
      code[10] = code[10]! ^ 0x01;
    });
    const failure = expectFailure(verify(tampered), 'file_modified');
    expect(failure.path).toBe('dist/extension.js');
    expect(failure.message).toMatch(/dist\/extension\.js changed after signing/);
  });

  it('refuses a flipped byte in the raw archive', () => {
    const tampered = Uint8Array.from(bundle);
    const at = 30 + 'README.md'.length; // first entry's data, stored or deflated
    tampered[at] = tampered[at]! ^ 0xff;
    expect(expectFailure(verify(tampered), 'corrupt_bundle').message).toMatch(/README\.md.*CRC/);
  });

  it('refuses a swapped manifest', () => {
    const tampered = rewrite(bundle, (files) => {
      files.set(
        'manifest.json',
        new TextEncoder().encode(JSON.stringify(manifestFor({ permissions: { network: ['*'], secrets: ['prod-db'], datasources: [] } }))),
      );
    });
    const failure = expectFailure(verify(tampered), 'bad_signature');
    expect(failure.message).toMatch(/manifest\.json differs from the one that was signed/);
  });

  it('refuses a signature.json whose file list was edited to match a changed file', () => {
    const tampered = rewrite(bundle, (files) => {
      const signature = JSON.parse(new TextDecoder().decode(files.get('signature.json')!)) as { files: { path: string; sha256: string }[] };
      signature.files[0]!.sha256 = '0'.repeat(64);
      files.set('signature.json', new TextEncoder().encode(JSON.stringify(signature)));
    });
    expectFailure(verify(tampered), 'bad_signature');
  });

  it('refuses a changed signing time', () => {
    const tampered = rewrite(bundle, (files) => {
      const signature = JSON.parse(new TextDecoder().decode(files.get('signature.json')!)) as { signedAt: string };
      signature.signedAt = '2030-01-01T00:00:00.000Z';
      files.set('signature.json', new TextEncoder().encode(JSON.stringify(signature)));
    });
    expectFailure(verify(tampered), 'bad_signature');
  });

  it('refuses an added file', () => {
    const tampered = rewrite(bundle, (files) => files.set('dist/extra.js', new TextEncoder().encode('steal()')));
    expect(expectFailure(verify(tampered), 'file_added').path).toBe('dist/extra.js');
  });

  it('refuses a removed file', () => {
    const tampered = rewrite(bundle, (files) => files.delete('README.md'));
    expect(expectFailure(verify(tampered), 'file_removed').path).toBe('README.md');
  });

  it('refuses a bundle without a signature', () => {
    expectFailure(verify(rewrite(bundle, (files) => files.delete('signature.json'))), 'missing_signature');
  });

  it('refuses a signature document with unsigned extra fields', () => {
    const tampered = rewrite(bundle, (files) => {
      const signature = JSON.parse(new TextDecoder().decode(files.get('signature.json')!)) as Record<string, unknown>;
      files.set('signature.json', new TextEncoder().encode(JSON.stringify({ ...signature, trusted: true })));
    });
    expectFailure(verify(tampered), 'malformed_signature');
  });
});

describe('keys', () => {
  it('refuses a signature by an untrusted key', () => {
    const stranger = generateKeyPair('stranger');
    const failure = expectFailure(verify(signedBundle(bundleFiles(), stranger).bundle), 'untrusted_key');
    expect(failure.keyId).toBe(stranger.keyId);
    expect(failure.message).toContain(stranger.keyId);
  });

  it('refuses a bundle modified and re-signed by another key', () => {
    const attacker = generateKeyPair('attacker');
    const modified = rewrite(bundle, (files) => files.set('dist/extension.js', new TextEncoder().encode('exfiltrate()')));
    expectFailure(verify(signBundle(modified, attacker)), 'untrusted_key');
  });

  it('refuses a re-signed bundle that claims the trusted key id', () => {
    const attacker = generateKeyPair('attacker');
    const forged = signBundle(bundle, { ...attacker, keyId: publisher.keyId });
    expectFailure(verify(forged), 'bad_signature');
  });

  it('accepts any key in the trusted set, and only by fingerprint', () => {
    const other = generateKeyPair('other');
    expect(verify(bundle, { trustedKeys: [publicKeyOf(other), publicKeyOf(publisher)] }).ok).toBe(true);
    // A trusted entry labelled with the publisher's id but holding another key trusts nothing.
    const mislabelled = { ...publicKeyOf(other), keyId: publisher.keyId };
    expectFailure(verify(bundle, { trustedKeys: [mislabelled] }), 'untrusted_key');
  });
});

describe('unsafe archives', () => {
  const cases: [string, string, string][] = [
    ['zip-slip', '../evil.js', 'unsafe_path'],
    ['nested zip-slip', 'dist/../../evil.js', 'unsafe_path'],
    ['absolute path', '/etc/cron.d/evil', 'unsafe_path'],
    ['backslash', 'dist\\evil.js', 'unsafe_path'],
    ['drive letter', 'C:/evil.js', 'unsafe_path'],
  ];
  it.each(cases)('refuses a %s entry', (_label, name, code) => {
    const crafted = craftZip([
      { name: 'manifest.json', content: '{}' },
      { name, content: 'x' },
    ]);
    const error = unpackError(crafted);
    expect(error.code).toBe(code);
    expect(error.message).toContain(JSON.stringify(name));
    expectFailure(verify(crafted), code as VerifyFailure['code']);
  });

  it('refuses a symlink entry', () => {
    const crafted = craftZip([
      { name: 'manifest.json', content: '{}' },
      { name: 'dist/extension.js', content: '/etc/passwd', unixMode: 0o120777 },
    ]);
    expect(expectFailure(verify(crafted), 'unsafe_entry').message).toMatch(/symbolic link/);
  });

  it('refuses duplicate entries, including ones differing only in case', () => {
    const exact = craftZip([
      { name: 'dist/extension.js', content: 'a' },
      { name: 'dist/extension.js', content: 'b' },
    ]);
    expect(expectFailure(verify(exact), 'duplicate_entry').message).toMatch(/appears twice/);
    const cased = craftZip([
      { name: 'dist/extension.js', content: 'a' },
      { name: 'DIST/Extension.js', content: 'b' },
    ]);
    expect(expectFailure(verify(cased), 'duplicate_entry').message).toMatch(/collides with/);
  });

  it('refuses a bundle over the total size limit', () => {
    expectFailure(verify(bundle, { limits: { maxTotalBytes: 1000 } }), 'too_large');
    const big = packFiles([
      { path: 'a.bin', bytes: new Uint8Array(6000) },
      { path: 'b.bin', bytes: new Uint8Array(6000) },
    ]);
    // Compressed, the zeros are tiny: the limit must apply to what the bundle unpacks to.
    expect(big.length).toBeLessThan(10_000);
    expect(unpackError(big, { maxTotalBytes: 10_000 }).code).toBe('too_large');
    expect(unpackError(big, { maxFileBytes: 5_000 }).code).toBe('too_large');
  });

  it('refuses too many files', () => {
    const many = packFiles(Array.from({ length: 12 }, (_, index) => ({ path: `f${index}.txt`, bytes: new Uint8Array([index]) })));
    const error = unpackError(many, { maxFiles: 10 });
    expect(error.code).toBe('too_many_files');
    expect(unpack(many, { maxFiles: 12 }).files).toHaveLength(12);
  });

  it('refuses a compression bomb that declares less than it inflates to', () => {
    const payload = new Uint8Array(4 * 1024 * 1024);
    const bomb = craftZip([
      { name: 'manifest.json', content: '{}' },
      { name: 'dist/extension.js', method: 8, data: deflateSync(payload), crc32: crc32(payload), uncompressedSize: 1000 },
    ]);
    expect(bomb.length).toBeLessThan(10_000);
    expect(expectFailure(verify(bomb), 'compression_bomb').path).toBe('dist/extension.js');
  });

  it('refuses a bomb that declares its size honestly before inflating it', () => {
    const bomb = craftZip([
      { name: 'big.bin', method: 8, data: deflateSync(new Uint8Array(64 * 1024)), crc32: 0, uncompressedSize: 4_000_000_000 },
    ]);
    expect(unpackError(bomb).code).toBe('too_large');
  });
});

describe('manifest and engine', () => {
  it('refuses a signed but invalid manifest with field-level errors', () => {
    const { bundle: invalid, publisher: key } = signedBundle(bundleFiles(manifestFor({ version: 'one' })));
    const failure = expectFailure(verify(invalid, { trustedKeys: [publicKeyOf(key)] }), 'manifest_invalid');
    expect(failure.errors).toEqual([{ path: 'version', message: expect.stringMatching(/^version: must be a semantic version/) }]);
    expect(failure.message).toMatch(/manifest\.json is not a valid extension manifest: version: must be a semantic version/);
  });

  it('judges the manifest with the validator it is given', () => {
    const strict = (input: unknown) =>
      validate(input).ok
        ? { ok: false as const, errors: [{ path: 'publisher', message: 'publisher: is not allowed on this server' }] }
        : validate(input);
    const failure = expectFailure(
      verifyBundle(bundle, { trustedKeys: trusted, engineVersion: null, validateManifest: strict }),
      'manifest_invalid',
    );
    expect(failure.message).toMatch(/publisher: is not allowed on this server/);
    const lax = verifyBundle(bundle, {
      trustedKeys: trusted,
      engineVersion: '9.0.0',
      validateManifest: validate,
      engineSatisfies: () => true,
    });
    expect(lax.ok).toBe(true);
  });

  it('refuses activation on every event, as the manifest schema does', () => {
    const { bundle: eager, publisher: key } = signedBundle(bundleFiles(manifestFor({ activationEvents: ['*'] })));
    expect(expectFailure(verify(eager, { trustedKeys: [publicKeyOf(key)] }), 'manifest_invalid').errors?.[0]?.path).toBe(
      'activationEvents[0]',
    );
  });

  it('refuses a manifest that parses but cannot be encoded canonically, without throwing', () => {
    const files = bundleFiles();
    const forged = rewrite(bundle, (entries) =>
      entries.set(
        'manifest.json',
        new TextEncoder().encode(new TextDecoder().decode(files.get('manifest.json')).replace('"Echoes a table"', '"\\ud800"')),
      ),
    );
    expect(expectFailure(verify(forged), 'manifest_invalid').message).toMatch(/lone surrogate/);
  });

  it('refuses a sidecar whose executable is not in the bundle', () => {
    const { bundle: incomplete, publisher: key } = signedBundle(
      bundleFiles(
        manifestFor({
          contributes: { ...manifestFor().contributes, sidecars: [{ id: 'ocr', command: 'bin/ocr', port: { kind: 'loopback' } }] },
        }),
      ),
    );
    const failure = expectFailure(verify(incomplete, { trustedKeys: [publicKeyOf(key)] }), 'manifest_invalid');
    expect(failure.errors?.[0]?.path).toBe('contributes.sidecars[0].command');
  });

  it('refuses a manifest whose main file is not in the bundle', () => {
    const files = bundleFiles();
    files.delete('dist/extension.js');
    const { bundle: incomplete, publisher: key } = signedBundle(files);
    expect(expectFailure(verify(incomplete, { trustedKeys: [publicKeyOf(key)] }), 'manifest_invalid').message).toMatch(/penny-ext build/);
  });

  it('refuses an engine range the server does not satisfy', () => {
    expect(expectFailure(verify(bundle, { engineVersion: '2.0.0' }), 'engine_mismatch').message).toMatch(
      /requires Penny \^1\.0\.0.*Penny 2\.0\.0/,
    );
    expect(verify(bundle, { engineVersion: null }).ok).toBe(true);
  });
});

describe('updates', () => {
  it('detects a permission escalation between two verified versions', () => {
    const next = manifestFor({
      version: '1.3.0',
      permissions: { network: ['api.example.com', 'upload.evil.example'], secrets: ['API_TOKEN'], datasources: ['finance'] },
      contributes: { ...manifestFor().contributes, sidecars: [{ id: 'ocr', command: 'bin/ocr', port: { kind: 'loopback' } }] },
    });
    const files = bundleFiles(next);
    files.set('bin/ocr', new TextEncoder().encode('#!/bin/sh\n'));
    const { bundle: update } = signedBundle(files, publisher);
    const before = verify(bundle);
    const after = verify(update);
    if (!before.ok || !after.ok) throw new Error('fixtures must verify');
    const change = comparePermissions(before.manifest, after.manifest);
    expect(change.escalates).toBe(true);
    expect(change.added).toEqual({ network: ['upload.evil.example'], secrets: ['API_TOKEN'], datasources: [], sidecars: ['ocr'] });
    expect(comparePermissions(after.manifest, before.manifest).escalates).toBe(false);
  });

  it('detects a downgrade', () => {
    expect(isDowngrade('1.2.0', '1.1.9')).toBe(true);
    expect(isDowngrade('1.2.0', '1.2.0')).toBe(false);
    expect(isDowngrade('1.2.0-beta.1', '1.2.0')).toBe(false);
  });
});

it('keeps the signed payload independent of manifest formatting', () => {
  const files = bundleFiles();
  const reformatted = rewrite(bundle, (entries) => {
    const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json')!)) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(manifest).reverse());
    entries.set('manifest.json', new TextEncoder().encode(JSON.stringify(reordered)));
  });
  // Same manifest value, different bytes: the signature still matches the value, but the file
  // hash does not, so the change is still caught.
  expectFailure(verify(reformatted), 'file_modified');
  expect(verify(signBundle(packFiles(toList(files)), publisher)).ok).toBe(true);
});
