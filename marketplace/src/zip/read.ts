// A strict zip reader for untrusted bundles. It reads the central directory, cross-checks every local
// header against it, refuses anything an extractor could interpret two ways (overlapping or hidden
// data, alternative Unicode names, encryption, ZIP64), and inflates with a hard output bound.

import { crc32, inflateRawSync } from 'node:zlib';
import { BundleError } from '../errors.ts';
import { METHOD_DEFLATE, METHOD_STORED } from './write.ts';

export interface ZipEntryRecord {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  isDirectory: boolean;
  /** Offset of the entry's data (after its local header) in the archive. */
  dataOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;

const FLAG_ENCRYPTED = 1 << 0;
const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_STRONG_ENCRYPTION = 1 << 6;
const FLAG_UTF8 = 1 << 11;
const FLAG_MASKED_HEADERS = 1 << 13;

const HOST_UNIX = 3;
const HOST_NTFS = 10;
const HOST_DARWIN = 19;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DOS_ATTR_DIRECTORY = 0x10;
const DOS_ATTR_REPARSE_POINT = 0x400;
const EXTRA_UNICODE_PATH = 0x7075;
const EXTRA_ZIP64 = 0x0001;

const corrupt = (message: string, path?: string): never => {
  throw new BundleError(
    'corrupt_bundle',
    `${message}; the file is not a well-formed .pennyext bundle, rebuild it with penny-ext pack`,
    path,
  );
};
const unsupported = (message: string, path?: string): never => {
  throw new BundleError('unsupported_bundle', `${message}; rebuild the bundle with penny-ext pack`, path);
};

/**
 * Parses and validates the archive structure. `maxEntries` is checked against the declared count
 * before any entry is parsed.
 */
export function readZipDirectory(bytes: Uint8Array, maxEntries: number): ZipEntryRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(bytes, view);
  const diskNumber = view.getUint16(eocd + 4, true);
  const centralDisk = view.getUint16(eocd + 6, true);
  const entriesOnDisk = view.getUint16(eocd + 8, true);
  const entryCount = view.getUint16(eocd + 10, true);
  const centralSize = view.getUint32(eocd + 12, true);
  const centralOffset = view.getUint32(eocd + 16, true);

  if (entryCount === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) unsupported('ZIP64 archives are not accepted');
  if (diskNumber !== 0 || centralDisk !== 0 || entriesOnDisk !== entryCount) unsupported('multi-volume archives are not accepted');
  if (entryCount > maxEntries) {
    throw new BundleError(
      'too_many_files',
      `the bundle has ${entryCount} entries, more than the limit of ${maxEntries}; ship fewer, larger files (bundle them with penny-ext build)`,
    );
  }
  if (centralOffset + centralSize !== eocd) corrupt('the central directory does not end where the archive trailer starts');

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const records: ZipEntryRecord[] = [];
  const spans: { start: number; end: number; name: string }[] = [];
  let at = centralOffset;
  for (let index = 0; index < entryCount; index++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE)
      corrupt(`central directory entry ${index} is truncated or malformed`);
    const madeBy = view.getUint16(at + 4, true);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const entryCrc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const startDisk = view.getUint16(at + 34, true);
    const externalAttributes = view.getUint32(at + 38, true);
    const localOffset = view.getUint32(at + 42, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > eocd) corrupt(`central directory entry ${index} runs past the directory`);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = decodeName(nameBytes, flags, decoder, index);

    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS))
      unsupported(`entry ${JSON.stringify(name)} is encrypted`, name);
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE)
      unsupported(`entry ${JSON.stringify(name)} uses compression method ${method} (only stored and deflate are accepted)`, name);
    if (startDisk !== 0) unsupported('multi-volume archives are not accepted', name);
    checkExtraFields(view, at + 46 + nameLength, extraLength, name);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff)
      unsupported('ZIP64 entries are not accepted', name);

    const isDirectory = checkEntryType(madeBy >> 8, externalAttributes, name);
    if (isDirectory && uncompressedSize !== 0) corrupt(`directory entry ${JSON.stringify(name)} has content`, name);
    if (method === METHOD_STORED && compressedSize !== uncompressedSize)
      corrupt(`stored entry ${JSON.stringify(name)} declares two different sizes`, name);

    const dataOffset = checkLocalHeader(bytes, view, localOffset, nameBytes, method, flags, name);
    let dataEnd = dataOffset + compressedSize;
    if (dataEnd > centralOffset) corrupt(`entry ${JSON.stringify(name)} runs into the central directory`, name);
    if (flags & FLAG_DATA_DESCRIPTOR) dataEnd += descriptorLength(view, dataEnd, centralOffset, name);
    spans.push({ start: localOffset, end: dataEnd, name });
    records.push({ name, method, crc32: entryCrc, compressedSize, uncompressedSize, isDirectory, dataOffset });
    at = end;
  }
  if (at !== eocd) corrupt('the central directory size does not match its entries');
  checkTiling(spans, centralOffset);
  return records;
}

/** Decompresses one entry, never producing more than it declares. */
export function extractEntry(bytes: Uint8Array, entry: ZipEntryRecord): Uint8Array {
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === METHOD_STORED) {
    // A copy, so what was hashed cannot change when the caller reuses the archive buffer.
    data = raw.slice();
  } else {
    try {
      // Node's zlib stops as soon as the output passes maxOutputLength, so a bomb costs at most
      // the declared size in memory and a proportional amount of CPU.
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (error) {
      if (isNodeError(error) && error.code === 'ERR_BUFFER_TOO_LARGE') {
        throw new BundleError(
          'compression_bomb',
          `entry ${JSON.stringify(entry.name)} inflates to more than the ${entry.uncompressedSize} bytes it declares; the bundle was crafted or damaged, do not install it`,
          entry.name,
        );
      }
      return corrupt(`entry ${JSON.stringify(entry.name)} is not valid deflate data`, entry.name);
    }
  }
  if (data.length !== entry.uncompressedSize)
    corrupt(`entry ${JSON.stringify(entry.name)} holds ${data.length} bytes but declares ${entry.uncompressedSize}`, entry.name);
  if (crc32(data) >>> 0 !== entry.crc32) corrupt(`entry ${JSON.stringify(entry.name)} fails its CRC check`, entry.name);
  return data;
}

function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + 22 + view.getUint16(at + 20, true) === bytes.length) return at;
  }
  return corrupt(bytes.length < 22 ? 'the file is too short to be a zip archive' : 'no zip end-of-directory record was found');
}

function decodeName(nameBytes: Uint8Array, flags: number, decoder: InstanceType<typeof TextDecoder>, index: number): string {
  const ascii = nameBytes.every((byte) => byte < 0x80);
  if (!ascii && !(flags & FLAG_UTF8)) unsupported(`entry ${index} has a non-ASCII name in an unknown encoding`);
  try {
    return decoder.decode(nameBytes);
  } catch {
    return corrupt(`entry ${index} has a name that is not valid UTF-8`);
  }
}

function checkExtraFields(view: DataView, start: number, length: number, name: string): void {
  let at = start;
  const end = start + length;
  while (at < end) {
    if (at + 4 > end) corrupt(`entry ${JSON.stringify(name)} has a truncated extra field`, name);
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    // A second name in an extra field lets extractors disagree about which file they wrote.
    if (id === EXTRA_UNICODE_PATH) unsupported(`entry ${JSON.stringify(name)} carries an alternative Unicode name`, name);
    if (id === EXTRA_ZIP64) unsupported('ZIP64 entries are not accepted', name);
    at += 4 + size;
  }
  if (at !== end) corrupt(`entry ${JSON.stringify(name)} has a truncated extra field`, name);
}

/** Returns whether the entry is a directory; refuses links and special files. */
function checkEntryType(host: number, externalAttributes: number, name: string): boolean {
  const named = JSON.stringify(name);
  const dosAttributes = externalAttributes & 0xffff;
  if (host === HOST_UNIX || host === HOST_DARWIN) {
    const type = (externalAttributes >>> 16) & S_IFMT;
    if (type === S_IFLNK) {
      throw new BundleError(
        'unsafe_entry',
        `entry ${named} is a symbolic link; bundles may hold only regular files, so replace the link with the file it points to`,
        name,
      );
    }
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
      throw new BundleError(
        'unsafe_entry',
        `entry ${named} is a special file (mode ${type.toString(8)}); bundles may hold only regular files`,
        name,
      );
    }
    if (type === S_IFDIR && !name.endsWith('/')) corrupt(`entry ${named} is marked as a directory but its name does not end in "/"`, name);
    if (type === S_IFREG && name.endsWith('/')) corrupt(`entry ${named} is marked as a file but its name ends in "/"`, name);
  }
  if (host === HOST_NTFS || host === 0) {
    if (dosAttributes & DOS_ATTR_REPARSE_POINT) {
      throw new BundleError('unsafe_entry', `entry ${named} is a link (reparse point); bundles may hold only regular files`, name);
    }
  }
  if (dosAttributes & DOS_ATTR_DIRECTORY && !name.endsWith('/'))
    corrupt(`entry ${named} is marked as a directory but its name does not end in "/"`, name);
  return name.endsWith('/');
}

function checkLocalHeader(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  centralName: Uint8Array,
  method: number,
  flags: number,
  name: string,
): number {
  if (offset + 30 > bytes.length || view.getUint32(offset, true) !== LOCAL_SIGNATURE)
    corrupt(`the local header of ${JSON.stringify(name)} is missing`, name);
  const localFlags = view.getUint16(offset + 6, true);
  const localMethod = view.getUint16(offset + 8, true);
  const nameLength = view.getUint16(offset + 26, true);
  const extraLength = view.getUint16(offset + 28, true);
  const localName = bytes.subarray(offset + 30, offset + 30 + nameLength);
  if (localMethod !== method || localFlags !== flags || !sameBytes(localName, centralName)) {
    corrupt(`the local header of ${JSON.stringify(name)} disagrees with the central directory`, name);
  }
  checkExtraFields(view, offset + 30 + nameLength, extraLength, name);
  return offset + 30 + nameLength + extraLength;
}

function descriptorLength(view: DataView, at: number, limit: number, name: string): number {
  const length = at + 4 <= limit && view.getUint32(at, true) === DESCRIPTOR_SIGNATURE ? 16 : 12;
  if (at + length > limit) corrupt(`the data descriptor of ${JSON.stringify(name)} is truncated`, name);
  return length;
}

/** Local records must cover the space before the central directory exactly once: no overlaps (bomb
 * tricks that reuse data) and no unreferenced bytes (hidden content). */
function checkTiling(spans: { start: number; end: number; name: string }[], centralOffset: number): void {
  const ordered = [...spans].sort((a, b) => a.start - b.start);
  let expected = 0;
  for (const span of ordered) {
    if (span.start < expected) corrupt(`entry ${JSON.stringify(span.name)} overlaps another entry`, span.name);
    if (span.start > expected)
      corrupt(`the archive holds ${span.start - expected} unreferenced bytes before ${JSON.stringify(span.name)}`, span.name);
    expected = span.end;
  }
  if (expected !== centralOffset) corrupt('the archive holds unreferenced bytes before its central directory');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}
