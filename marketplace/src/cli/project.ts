// An extension project on disk, as the CLI sees it: its manifest (package.json, or manifest.json
// when present), the sources behind its entry points, and the files that go into its bundle.

import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, posix, relative, resolve, sep } from 'node:path';
import { extensionId, validateManifest, type ExtensionManifest } from '@penny/manifests';
import { entryPathOf } from '../manifest.ts';
import { CliError } from './errors.ts';

export interface ExtensionProject {
  dir: string;
  /** `manifest.json` or `package.json`, relative to `dir`. */
  manifestFile: string;
  manifest: ExtensionManifest;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs'];
const ALWAYS_PACKED = ['README.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt', 'CHANGELOG.md'];

export async function readProject(dirArgument: string): Promise<ExtensionProject> {
  const dir = resolve(dirArgument);
  const manifestFile = ['manifest.json', 'package.json'].find((name) => existsSync(join(dir, name)));
  if (!manifestFile) {
    throw new CliError(
      `no package.json or manifest.json in ${dir}; run this inside an extension project, pass --dir, or create one with penny-ext new tool <name>`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, manifestFile), 'utf8'));
  } catch (error) {
    throw new CliError(`${join(dir, manifestFile)} is not valid JSON: ${(error as Error).message}`);
  }
  const validation = validateManifest(json);
  if (!validation.ok) {
    const details = validation.errors.map((error) => `  - ${error.message}`).join('\n');
    throw new CliError(`${manifestFile} is not a valid extension manifest:\n${details}\nfix these fields and run the command again`);
  }
  return { dir, manifestFile, manifest: validation.manifest };
}

export function bundleFileName(manifest: ExtensionManifest): string {
  return `${extensionId(manifest)}-${manifest.version}.pennyext`;
}

/** The entry points to build: `dist/<name>.js` is built from `src/<name>.ts` (or .tsx, .js, ...). */
export function entryPoints(project: ExtensionProject): { field: 'main' | 'browser'; source: string; output: string }[] {
  const entries: { field: 'main' | 'browser'; source: string; output: string }[] = [];
  for (const field of ['main', 'browser'] as const) {
    const target = project.manifest[field];
    if (target === undefined) continue;
    const output = entryPathOf(target);
    const stem = basename(output, extname(output));
    const candidates = SOURCE_EXTENSIONS.map((extension) => posix.join('src', stem + extension));
    const source = candidates.find((candidate) => existsSync(join(project.dir, candidate)));
    if (!source)
      throw new CliError(
        `no source for ${field} ${JSON.stringify(target)}: expected ${candidates[0]} (or ${SOURCE_EXTENSIONS.slice(1).join(', ')})`,
      );
    entries.push({ field, source, output });
  }
  if (entries.length === 0) throw new CliError(`${project.manifestFile} has neither main nor browser, so there is nothing to build`);
  return entries;
}

/**
 * What goes into the bundle: the manifest, what it points at, everything under dist/, and the usual
 * documents. An npm-style `files` list in the manifest replaces the dist/ rule.
 */
export async function filesToPack(project: ExtensionProject): Promise<{ path: string; bytes: Uint8Array }[]> {
  const { dir, manifest } = project;
  const selected = new Set<string>([project.manifestFile]);
  const referenced = [manifest.main, manifest.browser, ...(manifest.contributes?.sidecars ?? []).map((sidecar) => sidecar.command)].filter(
    (path): path is string => path !== undefined,
  );
  for (const path of referenced) {
    const relativePath = entryPathOf(path);
    if (!existsSync(join(dir, relativePath))) {
      throw new CliError(`${project.manifestFile} points to ${relativePath}, which does not exist; run penny-ext build first`);
    }
    selected.add(relativePath);
  }
  const declared = (manifest as { files?: unknown }).files;
  const roots = Array.isArray(declared) ? declared.filter((entry): entry is string => typeof entry === 'string') : ['dist'];
  for (const root of roots) {
    for (const path of await listFiles(dir, entryPathOf(root))) selected.add(path);
  }
  for (const document of ALWAYS_PACKED) if (existsSync(join(dir, document))) selected.add(document);

  const files: { path: string; bytes: Uint8Array }[] = [];
  for (const path of [...selected].sort()) {
    const bytes = new Uint8Array(await readFile(join(dir, path)));
    refuseSecrets(path, bytes);
    files.push({ path, bytes });
  }
  return files;
}

async function listFiles(dir: string, root: string): Promise<string[]> {
  const full = join(dir, root);
  if (!existsSync(full)) return [];
  if (!(await stat(full)).isDirectory()) return [root];
  const entries = await readdir(full, { recursive: true, withFileTypes: true });
  const toPath = (entry: { parentPath: string; name: string }) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
  const link = entries.find((entry) => entry.isSymbolicLink());
  if (link) throw new CliError(`${toPath(link)} is a symbolic link; bundles hold regular files only, so copy the file it points to`);
  return entries
    .filter((entry) => entry.isFile())
    .map(toPath)
    .filter((path) => !path.split('/').some((segment) => segment.startsWith('.') || segment === 'node_modules'))
    .filter((path) => !path.endsWith('.pennyext'));
}

/** A private key in a published bundle would hand the publisher's identity to everyone. */
function refuseSecrets(path: string, bytes: Uint8Array): void {
  const looksLikeKey =
    path.endsWith('.key.json') || Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('"penny-secret-key"');
  if (looksLikeKey)
    throw new CliError(
      `${path} looks like a private signing key; move it out of the project (keys belong in ~/.penny-ext/keys) and pack again`,
    );
}
