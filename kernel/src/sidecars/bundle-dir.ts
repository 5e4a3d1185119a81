// The unpacked files of a signed bundle on disk, where its sidecars run. One read-only directory per
// bundle digest under the data directory, written once (atomically, by rename) after the bytes were
// checked against the digest recorded when the bundle was verified.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Hex, unpack } from '@penny/marketplace';

export async function unpackedBundle(root: string, sha256: string, readBytes: () => Promise<Uint8Array>): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('bundle digest must be 64 hex digits');
  const dir = path.join(root, sha256);
  if (existsSync(dir)) return dir;
  const bytes = await readBytes();
  if (sha256Hex(bytes) !== sha256) throw new Error('bundle does not match its recorded digest');
  const staging = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.mkdir(staging, { recursive: true });
  try {
    for (const file of unpack(bytes).files) {
      const target = path.resolve(staging, file.path);
      // Paths were validated at verification; a bundle still never writes outside its directory.
      if (!target.startsWith(staging + path.sep)) throw new Error(`bundle path ${file.path} leaves the bundle`);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, file.bytes, { mode: 0o444 });
    }
    await fs.rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another start unpacked it first: same digest, same files.
      if (!existsSync(dir)) throw error;
      await fs.rm(staging, { recursive: true, force: true });
    });
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/** The bundle-relative entry of a sidecar as an absolute path; only JavaScript entry points run. */
export function sidecarEntry(bundleDir: string, command: string): string {
  const relative = command.replace(/^(\.\/)+/, '');
  if (!/\.(mjs|cjs|js)$/.test(relative)) throw new Error(`sidecar command ${command} is not a JavaScript file (.mjs, .cjs or .js)`);
  const entry = path.resolve(bundleDir, relative);
  if (!entry.startsWith(bundleDir + path.sep)) throw new Error(`sidecar command ${command} leaves the bundle`);
  return entry;
}
