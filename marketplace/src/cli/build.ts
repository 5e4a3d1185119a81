// `penny-ext build`: one self-contained file per entry point, for an isolate (main) or a sandboxed
// iframe (browser). Neither can load modules at run time, hence IIFE bundles with everything inlined.

import { build, formatMessages, type Message } from 'esbuild';
import { join } from 'node:path';
import { CliError } from './errors.ts';
import type { ExtensionProject } from './project.ts';
import { entryPoints } from './project.ts';

/** The global the extension host reads `activate`/`deactivate` from. */
export const EXTENSION_GLOBAL = '__pennyExtension';

export interface BuildOptions {
  minify?: boolean;
  sourcemap?: boolean;
}

export interface BuiltEntry {
  field: 'main' | 'browser';
  source: string;
  output: string;
  bytes: number;
}

export async function buildProject(project: ExtensionProject, options: BuildOptions = {}): Promise<BuiltEntry[]> {
  const built: BuiltEntry[] = [];
  for (const entry of entryPoints(project)) {
    const outfile = join(project.dir, entry.output);
    let result;
    try {
      result = await build({
        absWorkingDir: project.dir,
        entryPoints: [join(project.dir, entry.source)],
        outfile,
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        ...(entry.field === 'main' ? { globalName: EXTENSION_GLOBAL } : {}),
        define: { 'process.env.NODE_ENV': '"production"' },
        minify: options.minify ?? false,
        sourcemap: options.sourcemap ? 'inline' : false,
        legalComments: 'eof',
        metafile: true,
        logLevel: 'silent',
      });
    } catch (error) {
      throw new CliError(await describeFailure(entry.field, entry.source, error));
    }
    const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
    built.push({ ...entry, bytes });
  }
  return built;
}

async function describeFailure(field: string, source: string, error: unknown): Promise<string> {
  const errors = (error as { errors?: Message[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return `building ${field} (${source}) failed: ${(error as Error).message}`;
  const nodeBuiltin = errors.some((message) =>
    /Could not resolve "(node:[a-z_/]+|fs|path|os|child_process|net|http|https|crypto|process|buffer|stream|url|util)"/.test(message.text),
  );
  // esbuild's own note for these suggests building for Node, which an isolate cannot run.
  const shown = nodeBuiltin ? errors.map((message) => ({ ...message, notes: [] })) : errors;
  const formatted = (await formatMessages(shown, { kind: 'error', color: false })).join('').trimEnd();
  const hint = nodeBuiltin
    ? '\nextension code runs without Node APIs: use the penny API (penny.fetch, penny.storage, penny.secrets) instead of Node modules'
    : '';
  return `building ${field} (${source}) failed:\n${formatted}${hint}`;
}
