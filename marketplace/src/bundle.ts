// Packing files into a .pennyext zip and unpacking one safely. Unpacking never touches the
// filesystem: it returns the files in memory after every structural and size check has passed.

import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BundleError } from './errors.ts';
import { type BundleLimits, formatBytes, resolveLimits } from './limits.ts';
import { assertSafePath, collisionKey } from './paths.ts';
import { extractEntry, readZipDirectory, type ZipEntryRecord } from './zip/read.ts';
import { compressEntry, writeZip, type ZipWriteEntry } from './zip/write.ts';

export interface BundleFile {
  path: string;
  bytes: Uint8Array;
  size: number;
  /** Lowercase hex. */
  sha256: string;
}

export interface UnpackedBundle {
  /** Regular files only, sorted by path (UTF-16 code unit order). */
  files: BundleFile[];
}

export type PackInput =
  | string
  | ReadonlyMap<string, Uint8Array | string>
  | Readonly<Record<string, Uint8Array | string>>
  | readonly { path: string; bytes: Uint8Array | string }[];

/** @internal */
export interface ReadEntry extends BundleFile {
  record: ZipEntryRecord;
}

/**
 * Zips files into an unsigned bundle. A string is a directory whose regular files are all packed
 * (symbolic links are refused). Output is deterministic for the same input.
 */
export async function pack(input: PackInput, limits?: Partial<BundleLimits>): Promise<Uint8Array> {
  const files = typeof input === 'string' ? await readDirectoryFiles(input) : normalizeInput(input);
  return packFiles(files, limits);
}

export function packFiles(files: readonly { path: string; bytes: Uint8Array }[], limits?: Partial<BundleLimits>): Uint8Array {
  const resolved = resolveLimits(limits);
  checkPackable(files, resolved);
  const sorted = [...files].sort((a, b) => compareCodeUnits(a.path, b.path));
  return writeZip(sorted.map((file) => compressEntry(file.path, file.bytes)));
}

/** Reads a bundle into memory, refusing anything unsafe or over the limits. Throws `BundleError`. */
export function unpack(bytes: Uint8Array, limits?: Partial<BundleLimits>): UnpackedBundle {
  return {
    files: readEntries(bytes, resolveLimits(limits)).map(({ path, bytes: data, size, sha256 }) => ({ path, bytes: data, size, sha256 })),
  };
}

/** @internal Unpacks and keeps each entry's raw record so it can be rewritten without recompressing. */
export function readEntries(bytes: Uint8Array, limits: BundleLimits): ReadEntry[] {
  if (bytes.length > limits.maxTotalBytes) {
    throw new BundleError(
      'too_large',
      `the bundle is ${formatBytes(bytes.length)}, over the ${formatBytes(limits.maxTotalBytes)} limit; make it smaller (minify, drop source maps and unused assets)`,
    );
  }
  const records = readZipDirectory(bytes, limits.maxFiles);
  const seen = new Map<string, string>();
  const files: ZipEntryRecord[] = [];
  let total = 0;
  for (const record of records) {
    assertSafePath(record.name, limits.maxPathBytes);
    const key = collisionKey(record.isDirectory ? record.name.slice(0, -1) : record.name);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const how =
        earlier === record.name
          ? 'appears twice'
          : `collides with ${JSON.stringify(earlier)} (names may not differ only in case, Unicode form or a trailing "/")`;
      throw new BundleError(
        'duplicate_entry',
        `entry ${JSON.stringify(record.name)} ${how}; an extractor would keep only one of them, so the bundle is refused`,
        record.name,
      );
    }
    seen.set(key, record.name);
    if (record.isDirectory) continue;
    if (record.uncompressedSize > limits.maxFileBytes) {
      throw new BundleError(
        'too_large',
        `entry ${JSON.stringify(record.name)} is ${formatBytes(record.uncompressedSize)}, over the ${formatBytes(limits.maxFileBytes)} per-file limit`,
        record.name,
      );
    }
    total += record.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw new BundleError(
        'too_large',
        `the bundle unpacks to more than the ${formatBytes(limits.maxTotalBytes)} limit; make it smaller (minify, drop source maps and unused assets)`,
      );
    }
    files.push(record);
  }
  checkFileDirectoryConflicts(files.map((record) => record.name));

  return files
    .map((record) => {
      const data = extractEntry(bytes, record);
      return { path: record.name, bytes: data, size: data.length, sha256: sha256Hex(data), record };
    })
    .sort((a, b) => compareCodeUnits(a.path, b.path));
}

/** @internal Rewrites entries as they are, without recompressing. */
export function rawEntry(bundle: Uint8Array, entry: ReadEntry): ZipWriteEntry {
  const { record } = entry;
  return {
    name: record.name,
    method: record.method === 8 ? 8 : 0,
    data: bundle.subarray(record.dataOffset, record.dataOffset + record.compressedSize),
    crc32: record.crc32,
    uncompressedSize: record.uncompressedSize,
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A file `a` and a file `a/b` cannot both be extracted. */
function checkFileDirectoryConflicts(paths: readonly string[]): void {
  const fileKeys = new Set(paths.map(collisionKey));
  for (const path of paths) {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join('/');
      if (fileKeys.has(collisionKey(parent))) {
        throw new BundleError(
          'duplicate_entry',
          `entry ${JSON.stringify(path)} lies inside ${JSON.stringify(parent)}, which is a file`,
          path,
        );
      }
    }
  }
}

function checkPackable(files: readonly { path: string; bytes: Uint8Array }[], limits: BundleLimits): void {
  if (files.length > limits.maxFiles) {
    throw new BundleError(
      'too_many_files',
      `${files.length} files is more than the limit of ${limits.maxFiles}; bundle the code with penny-ext build`,
    );
  }
  const seen = new Map<string, string>();
  let total = 0;
  for (const file of files) {
    assertSafePath(file.path, limits.maxPathBytes);
    if (file.path.endsWith('/'))
      throw new BundleError('unsafe_path', `${JSON.stringify(file.path)} names a directory; pack files only`, file.path);
    const key = collisionKey(file.path);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      throw new BundleError(
        'duplicate_entry',
        `${JSON.stringify(file.path)} and ${JSON.stringify(earlier)} would be the same entry`,
        file.path,
      );
    seen.set(key, file.path);
    if (file.bytes.length > limits.maxFileBytes) {
      throw new BundleError(
        'too_large',
        `${file.path} is ${formatBytes(file.bytes.length)}, over the ${formatBytes(limits.maxFileBytes)} per-file limit`,
        file.path,
      );
    }
    total += file.bytes.length;
  }
  if (total > limits.maxTotalBytes)
    throw new BundleError('too_large', `the files add up to ${formatBytes(total)}, over the ${formatBytes(limits.maxTotalBytes)} limit`);
  checkFileDirectoryConflicts(files.map((file) => file.path));
}

function normalizeInput(input: Exclude<PackInput, string>): { path: string; bytes: Uint8Array }[] {
  const toBytes = (value: Uint8Array | string): Uint8Array => (typeof value === 'string' ? new TextEncoder().encode(value) : value);
  if (Array.isArray(input))
    return input.map((file: { path: string; bytes: Uint8Array | string }) => ({ path: file.path, bytes: toBytes(file.bytes) }));
  const entries = input instanceof Map ? [...input.entries()] : Object.entries(input as Record<string, Uint8Array | string>);
  return entries.map(([path, bytes]) => ({ path, bytes: toBytes(bytes) }));
}

async function readDirectoryFiles(root: string): Promise<{ path: string; bytes: Uint8Array }[]> {
  const files: { path: string; bytes: Uint8Array }[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const dirent of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, dirent.name);
      const path = relative(root, full).split(sep).join('/');
      const stats = await lstat(full);
      if (stats.isSymbolicLink())
        throw new BundleError('unsafe_entry', `${path} is a symbolic link; copy the file it points to instead`, path);
      if (stats.isDirectory()) await walk(full);
      else if (stats.isFile()) files.push({ path, bytes: new Uint8Array(await readFile(full)) });
      else throw new BundleError('unsafe_entry', `${path} is not a regular file`, path);
    }
  };
  await walk(root);
  return files;
}
