import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pack, packFiles, sha256Hex, unpack } from './bundle.ts';
import { BundleError } from './errors.ts';
import { compressEntry, writeZip } from './zip/write.ts';

const files = {
  'manifest.json': '{"name":"x"}',
  'dist/extension.js': 'penny.log("hi");\n'.repeat(100),
  'assets/logo.bin': new Uint8Array([0, 1, 2, 255]),
};

function refusal(run: () => unknown): BundleError {
  try {
    run();
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error('expected a BundleError');
}

describe('pack and unpack', () => {
  it('round-trips files with their hashes, sorted by path', async () => {
    const bundle = await pack(files);
    const unpacked = unpack(bundle);
    expect(unpacked.files.map((file) => file.path)).toEqual(['assets/logo.bin', 'dist/extension.js', 'manifest.json']);
    const script = unpacked.files[1]!;
    expect(new TextDecoder().decode(script.bytes)).toBe(files['dist/extension.js']);
    expect(script.sha256).toBe(sha256Hex(strToU8(files['dist/extension.js'])));
    expect(script.size).toBe(files['dist/extension.js'].length);
  });

  it('produces identical bytes for identical input, whatever the input order', async () => {
    const reversed = new Map(Object.entries(files).reverse());
    expect(await pack(reversed)).toEqual(await pack(files));
  });

  it('writes archives other zip readers understand', async () => {
    const extracted = unzipSync(await pack(files));
    expect(Object.keys(extracted).sort()).toEqual(Object.keys(files).sort());
    expect(extracted['assets/logo.bin']).toEqual(files['assets/logo.bin']);
  });

  it('reads archives written by other zip writers, directory entries included', () => {
    const foreign = zipSync(
      { 'manifest.json': strToU8('{}'), 'dist/': new Uint8Array(), 'dist/extension.js': strToU8('x'.repeat(500)) },
      { level: 9 },
    );
    expect(Object.keys(unzipSync(foreign))).toContain('dist/');
    expect(unpack(foreign).files.map((file) => file.path)).toEqual(['dist/extension.js', 'manifest.json']);
  });

  it('refuses to pack what it would refuse to unpack', () => {
    expect(refusal(() => packFiles([{ path: '../x', bytes: new Uint8Array() }])).code).toBe('unsafe_path');
    expect(
      refusal(() =>
        packFiles([
          { path: 'A.js', bytes: new Uint8Array() },
          { path: 'a.js', bytes: new Uint8Array() },
        ]),
      ).code,
    ).toBe('duplicate_entry');
    expect(
      refusal(() =>
        packFiles([
          { path: 'a', bytes: new Uint8Array() },
          { path: 'a/b', bytes: new Uint8Array() },
        ]),
      ).code,
    ).toBe('duplicate_entry');
    expect(refusal(() => packFiles([{ path: 'big', bytes: new Uint8Array(11) }], { maxFileBytes: 10 })).code).toBe('too_large');
  });
});

describe('pack(directory)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'penny-pack-'));
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'manifest.json'), '{}');
    await writeFile(join(dir, 'dist', 'extension.js'), 'x');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('packs every regular file with forward-slash paths', async () => {
    expect(unpack(await pack(dir)).files.map((file) => file.path)).toEqual(['dist/extension.js', 'manifest.json']);
  });

  it('refuses a symbolic link instead of following it', async () => {
    await symlink('/etc/passwd', join(dir, 'dist', 'passwd'));
    await expect(pack(dir)).rejects.toMatchObject({ code: 'unsafe_entry', path: 'dist/passwd' });
  });
});

describe('the zip reader', () => {
  const entry = (name: string, content: string) => compressEntry(name, strToU8(content));

  it('refuses data hidden between entries', () => {
    const zip = writeZip([entry('a.txt', 'a'), entry('b.txt', 'b')]);
    // Move the second local record 4 bytes later, leaving a gap nothing references.
    const firstLength = 30 + 'a.txt'.length + 1;
    const padded = new Uint8Array(zip.length + 4);
    padded.set(zip.subarray(0, firstLength));
    padded.set(zip.subarray(firstLength), firstLength + 4);
    const view = new DataView(padded.buffer);
    const eocd = padded.length - 22;
    view.setUint32(eocd + 16, view.getUint32(eocd + 16, true) + 4, true);
    const central = view.getUint32(eocd + 16, true);
    const second = central + 46 + 'a.txt'.length;
    view.setUint32(second + 42, view.getUint32(second + 42, true) + 4, true);
    expect(refusal(() => unpack(padded)).message).toMatch(/4 unreferenced bytes/);
  });

  it('refuses two central entries sharing one local record', () => {
    const zip = writeZip([entry('a.txt', 'a'), entry('b.txt', 'b')]);
    const view = new DataView(zip.buffer);
    const central = view.getUint32(zip.length - 22 + 16, true);
    view.setUint32(central + 46 + 'a.txt'.length + 42, 0, true);
    expect(refusal(() => unpack(zip)).code).toBe('corrupt_bundle');
  });

  it('refuses encrypted entries, unknown methods and trailing data', () => {
    const zip = writeZip([entry('a.txt', 'a')]);
    const encrypted = Uint8Array.from(zip);
    const central = new DataView(encrypted.buffer).getUint32(zip.length - 22 + 16, true);
    new DataView(encrypted.buffer).setUint16(6, 0x0801, true);
    new DataView(encrypted.buffer).setUint16(central + 8, 0x0801, true);
    expect(refusal(() => unpack(encrypted)).message).toMatch(/encrypted/);
    const lzma = writeZip([{ ...entry('a.txt', 'a'), method: 14 as 0 }]);
    expect(refusal(() => unpack(lzma)).message).toMatch(/compression method 14/);
    const trailing = new Uint8Array(zip.length + 3);
    trailing.set(zip);
    expect(refusal(() => unpack(trailing)).code).toBe('corrupt_bundle');
    expect(refusal(() => unpack(new Uint8Array(10))).message).toMatch(/too short/);
  });

  it('refuses names a filesystem could misread', () => {
    for (const name of ['a//b', './a', 'a/./b', 'dist/CON.js', 'a:stream', 'trailing.', 'nul\u0000.js']) {
      expect(refusal(() => unpack(writeZip([entry(name, 'x')]))).code, name).toBe('unsafe_path');
    }
    expect(refusal(() => unpack(writeZip([entry('caf\u00e9.js', 'x'), entry('cafe\u0301.js', 'y')]))).code).toBe('duplicate_entry');
  });

  it('refuses device files and mismatched directory flags', () => {
    expect(refusal(() => unpack(writeZip([{ ...entry('fifo', ''), unixMode: 0o010644 }]))).code).toBe('unsafe_entry');
    expect(refusal(() => unpack(writeZip([{ ...entry('dir', ''), unixMode: 0o040755 }]))).code).toBe('corrupt_bundle');
  });
});
