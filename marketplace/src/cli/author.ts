// Commands for writing an extension: new, build, pack.

import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { patterns } from '@penny/manifests';
import { packFiles, sha256Hex } from '../bundle.ts';
import { BundleError } from '../errors.ts';
import { formatBytes } from '../limits.ts';
import { buildProject, type BuildOptions } from './build.ts';
import { CliError } from './errors.ts';
import { bundleFileName, filesToPack, readProject } from './project.ts';
import { templateFiles, type ExtensionKind } from './templates.ts';

export interface NewOptions {
  dir?: string;
  publisher: string;
  engine: string;
}

export async function newExtension(kind: ExtensionKind, name: string, options: NewOptions, print: (line: string) => void): Promise<void> {
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(name) || name.endsWith('-')) {
    throw new CliError(
      `${JSON.stringify(name)} is not a valid extension name; use lowercase letters, digits and dashes, starting with a letter (e.g. word-count)`,
    );
  }
  if (!new RegExp(patterns.packageName).test(options.publisher)) {
    throw new CliError(
      `${JSON.stringify(options.publisher)} is not a valid publisher id; use lowercase letters, digits and dashes (e.g. acme)`,
    );
  }
  const dir = resolve(options.dir ?? name);
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new CliError(`${dir} already exists and is not empty; choose another --dir or remove it`);
  }
  const files = templateFiles({ kind, name, publisher: options.publisher, engineRange: options.engine });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const shown = relative(process.cwd(), dir) || '.';
  print(`created ${kind} extension ${options.publisher}.${name} in ${shown}`);
  print('next:');
  print(`  cd ${shown}`);
  print('  penny-ext build && node --test test/');
  print('  penny-ext pack');
}

export async function buildCommand(options: BuildOptions & { dir: string }, print: (line: string) => void): Promise<void> {
  const project = await readProject(options.dir);
  for (const entry of await buildProject(project, options)) {
    print(`built ${entry.field}: ${entry.source} -> ${entry.output} (${formatBytes(entry.bytes)})`);
  }
}

export async function packCommand(options: { dir: string; out?: string }, print: (line: string) => void): Promise<string> {
  const project = await readProject(options.dir);
  const files = await filesToPack(project);
  let bundle: Uint8Array;
  try {
    bundle = packFiles(files);
  } catch (error) {
    if (error instanceof BundleError) throw new CliError(`cannot pack: ${error.message}`);
    throw error;
  }
  const out = resolve(options.out ?? join(project.dir, bundleFileName(project.manifest)));
  await writeFile(out, bundle);
  print(
    `packed ${files.length} files into ${relative(process.cwd(), out) || out} (${formatBytes(bundle.length)}, sha256 ${sha256Hex(bundle)})`,
  );
  for (const file of files) print(`  ${file.path} (${formatBytes(file.bytes.length)})`);
  print(`the bundle is not signed yet: penny-ext sign ${relative(process.cwd(), out) || out} --key <key>`);
  return out;
}
