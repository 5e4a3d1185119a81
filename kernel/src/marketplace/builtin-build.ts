// Turning a built-in extension package (`extensions/<name>/`) into the files of its bundle: the
// manifest as written, one esbuild pass over its entry points, and its documents. Nothing is written
// to the package directory. A record of every file a build read lets the next start skip esbuild
// when none of them changed.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { extensionId as idOf, type ExtensionManifest } from '@penny/manifests';

export interface BuiltinPackage {
  dir: string;
  /** `manifest.json`, or `package.json` carrying the manifest fields. */
  manifestFile: string;
  /** Checked only for what the build needs; publishing validates it in full. */
  manifest: ExtensionManifest;
}

export interface BuiltFile {
  path: string;
  bytes: Uint8Array;
}

export interface PackageScan {
  packages: BuiltinPackage[];
  /** Directories that look like extensions but cannot be used, with why. */
  problems: { dir: string; error: string }[];
}

/** What one build read and produced. */
export interface BuildRecord {
  extensionId: string;
  version: string;
  /** sha256 of every file the build read, by absolute path. */
  inputs: Record<string, string>;
  /** The bundle's files (signature excluded), sorted by path. */
  files: { path: string; sha256: string }[];
}

/** The global the extension host reads `activate`/`deactivate` from. */
export const EXTENSION_GLOBAL = '__pennyExtension';

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs'];
const DOCUMENTS = ['README.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt', 'CHANGELOG.md'];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function scanBuiltinPackages(root: string): Promise<PackageScan> {
  const scan: PackageScan = { packages: [], problems: [] };
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return scan;
    throw error;
  }
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const dir = path.join(root, entry.name);
    const manifestFile = ['manifest.json', 'package.json'].find((name) => existsSync(path.join(dir, name)));
    if (!manifestFile) continue;
    let json: Partial<ExtensionManifest>;
    try {
      json = JSON.parse(await fs.readFile(path.join(dir, manifestFile), 'utf8')) as Partial<ExtensionManifest>;
    } catch (error) {
      scan.problems.push({ dir, error: `${manifestFile} is not valid JSON: ${(error as Error).message}` });
      continue;
    }
    // A package.json without engines.penny is an ordinary package (a shared helper), not an extension.
    if (manifestFile === 'package.json' && typeof json.engines?.penny !== 'string') continue;
    const wrong = (['name', 'publisher', 'version'] as const).filter((field) => typeof json[field] !== 'string');
    if (wrong.length || typeof json.engines?.penny !== 'string') {
      scan.problems.push({ dir, error: `${manifestFile} needs string fields name, publisher, version and engines.penny` });
      continue;
    }
    scan.packages.push({ dir, manifestFile, manifest: json as ExtensionManifest });
  }
  return scan;
}

/** `dist/extension.js` is built from `src/extension.ts` (or .tsx, .mts, .js, .jsx, .mjs). */
function entryPoints(pkg: BuiltinPackage): { in: string; out: string; output: string }[] {
  const points: { in: string; out: string; output: string }[] = [];
  for (const field of ['main', 'browser'] as const) {
    const target = pkg.manifest[field];
    if (typeof target !== 'string') continue;
    const output = target.replace(/^(\.\/)+/, '');
    if (!output.endsWith('.js')) throw new Error(`${field} ${JSON.stringify(target)} must name a .js file`);
    const stem = path.posix.basename(output, '.js');
    const source = SOURCE_EXTENSIONS.map((ext) => path.join(pkg.dir, 'src', stem + ext)).find((candidate) => existsSync(candidate));
    if (!source) throw new Error(`no source for ${field} ${JSON.stringify(target)}: expected src/${stem}.ts`);
    points.push({ in: source, out: output.slice(0, -'.js'.length), output });
  }
  return points;
}

/** Files copied into the bundle as they are: the manifest, sidecar executables, documents. */
function copiedFiles(pkg: BuiltinPackage): string[] {
  const sidecars = (pkg.manifest.contributes?.sidecars ?? []).map((sidecar) => sidecar.command.replace(/^(\.\/)+/, ''));
  const documents = DOCUMENTS.filter((document) => existsSync(path.join(pkg.dir, document)));
  return [pkg.manifestFile, ...sidecars, ...documents];
}

/** The bundle's files, sorted by path, and the record of the build. One esbuild call per package. */
export async function buildBuiltinFiles(pkg: BuiltinPackage): Promise<{ files: BuiltFile[]; record: BuildRecord }> {
  const files = new Map<string, Uint8Array>();
  const inputs: Record<string, string> = {};
  for (const relative of copiedFiles(pkg)) {
    const bytes = new Uint8Array(await fs.readFile(path.join(pkg.dir, relative)));
    files.set(relative, bytes);
    inputs[path.join(pkg.dir, relative)] = sha256(bytes);
  }
  const points = entryPoints(pkg);
  if (points.length) {
    const result = await build({
      absWorkingDir: pkg.dir,
      entryPoints: points.map((p) => ({ in: p.in, out: p.out })),
      outdir: pkg.dir,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      // The host reads `activate` from this global; on a browser entry it is an unused name.
      globalName: EXTENSION_GLOBAL,
      define: { 'process.env.NODE_ENV': '"production"' },
      legalComments: 'eof',
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    for (const output of result.outputFiles) files.set(path.relative(pkg.dir, output.path).split(path.sep).join('/'), output.contents);
    const missing = points.find((p) => !files.has(p.output));
    if (missing) throw new Error(`esbuild did not produce ${missing.output}`);
    for (const input of Object.keys(result.metafile.inputs)) {
      // Virtual modules (e.g. a disabled Node built-in) have no file behind them.
      const bytes = await fs.readFile(path.resolve(pkg.dir, input)).catch(() => null);
      if (bytes) inputs[path.resolve(pkg.dir, input)] = sha256(bytes);
    }
  }
  const sorted = [...files].map(([p, bytes]) => ({ path: p, bytes })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const record: BuildRecord = {
    extensionId: idOf(pkg.manifest),
    version: pkg.manifest.version,
    inputs,
    files: sorted.map((f) => ({ path: f.path, sha256: sha256(f.bytes) })),
  };
  return { files: sorted, record };
}

/** Whether a new build would read exactly what `record`'s build read (so it would produce the same). */
export async function unchangedSince(record: BuildRecord | undefined, pkg: BuiltinPackage): Promise<boolean> {
  if (!record || record.extensionId !== idOf(pkg.manifest) || record.version !== pkg.manifest.version) return false;
  if (copiedFiles(pkg).some((relative) => !(path.join(pkg.dir, relative) in record.inputs))) return false;
  for (const [file, digest] of Object.entries(record.inputs)) {
    const bytes = await fs.readFile(file).catch(() => null);
    if (!bytes || sha256(bytes) !== digest) return false;
  }
  return true;
}
