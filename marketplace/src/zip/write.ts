// A minimal, deterministic zip writer: fixed timestamps, Unix regular-file modes, UTF-8 names, entries
// in the order given. Writing takes already-compressed data so re-signing never recompresses.

import { crc32 } from 'node:zlib';
import { deflateSync } from 'fflate';

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

export interface ZipWriteEntry {
  name: string;
  method: typeof METHOD_STORED | typeof METHOD_DEFLATE;
  /** Bytes exactly as they go into the archive (deflated when `method` is 8). */
  data: Uint8Array;
  crc32: number;
  uncompressedSize: number;
  /** Unix mode including the file type bits; regular file 0644 when omitted. */
  unixMode?: number;
}

const UNIX_HOST = 3;
const REGULAR_FILE = 0o100644;
// 1980-01-01 00:00, the zip epoch, so identical inputs give identical bundles.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const FLAG_UTF8 = 1 << 11;

/** Compresses when that makes the entry smaller, stores otherwise. */
export function compressEntry(name: string, bytes: Uint8Array): ZipWriteEntry {
  const deflated = bytes.length > 0 ? deflateSync(bytes, { level: 6 }) : bytes;
  const useDeflate = deflated.length < bytes.length;
  return {
    name,
    method: useDeflate ? METHOD_DEFLATE : METHOD_STORED,
    data: useDeflate ? deflated : bytes,
    crc32: crc32(bytes) >>> 0,
    uncompressedSize: bytes.length,
  };
}

export function writeZip(entries: readonly ZipWriteEntry[]): Uint8Array {
  // Bundles are far below the classic zip limits, so ZIP64 is never written (and never read).
  if (entries.length > 0xffff) throw new RangeError('a bundle holds at most 65535 entries');
  const encoder = new TextEncoder();
  const names = entries.map((entry) => encoder.encode(entry.name));
  let localSize = 0;
  if (entries.some((entry) => entry.data.length > 0xfffffffe || entry.uncompressedSize > 0xfffffffe)) {
    throw new RangeError('a bundle entry must be smaller than 4 GiB');
  }
  let centralSize = 0;
  entries.forEach((entry, index) => {
    localSize += 30 + names[index]!.length + entry.data.length;
    centralSize += 46 + names[index]!.length;
  });
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  let at = 0;

  entries.forEach((entry, index) => {
    const name = names[index]!;
    offsets.push(at);
    view.setUint32(at, 0x04034b50, true);
    view.setUint16(at + 4, versionNeeded(entry), true);
    view.setUint16(at + 6, FLAG_UTF8, true);
    view.setUint16(at + 8, entry.method, true);
    view.setUint16(at + 10, DOS_TIME, true);
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, entry.crc32 >>> 0, true);
    view.setUint32(at + 18, entry.data.length, true);
    view.setUint32(at + 22, entry.uncompressedSize, true);
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, 0, true);
    out.set(name, at + 30);
    out.set(entry.data, at + 30 + name.length);
    at += 30 + name.length + entry.data.length;
  });

  const centralStart = at;
  entries.forEach((entry, index) => {
    const name = names[index]!;
    view.setUint32(at, 0x02014b50, true);
    view.setUint16(at + 4, (UNIX_HOST << 8) | 20, true);
    view.setUint16(at + 6, versionNeeded(entry), true);
    view.setUint16(at + 8, FLAG_UTF8, true);
    view.setUint16(at + 10, entry.method, true);
    view.setUint16(at + 12, DOS_TIME, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, entry.crc32 >>> 0, true);
    view.setUint32(at + 20, entry.data.length, true);
    view.setUint32(at + 24, entry.uncompressedSize, true);
    view.setUint16(at + 28, name.length, true);
    // extra length, comment length, disk number start, internal attributes: all zero
    view.setUint32(at + 38, ((entry.unixMode ?? REGULAR_FILE) << 16) >>> 0, true);
    view.setUint32(at + 42, offsets[index]!, true);
    out.set(name, at + 46);
    at += 46 + name.length;
  });

  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}

function versionNeeded(entry: ZipWriteEntry): number {
  return entry.method === METHOD_DEFLATE ? 20 : 10;
}
