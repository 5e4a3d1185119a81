// Builders for bundles, honest and crafted, shared by the tamper and CLI suites.

import { validateManifest, type ExtensionManifest } from '@penny/manifests';
import { canonicalJson, generateKeyPair, packFiles, signBundle, unpack, type KeyPair } from '../src/index.ts';
import { compressEntry, writeZip, type ZipWriteEntry } from '../src/zip/write.ts';

export const validate = validateManifest;

export function manifestFor(overrides: Partial<ExtensionManifest> = {}): ExtensionManifest {
  return {
    name: 'echo-table',
    publisher: 'acme',
    version: '1.2.0',
    engines: { penny: '^1.0.0' },
    main: 'dist/extension.js',
    browser: 'dist/renderer.js',
    activationEvents: ['onTool:echo_table'],
    permissions: { network: ['api.example.com'], secrets: [], datasources: ['finance'] },
    contributes: { tools: [{ name: 'echo_table', description: 'Echoes a table', parameters: { type: 'object' } }] },
    ...overrides,
  };
}

export function bundleFiles(manifest: unknown = manifestFor()): Map<string, Uint8Array> {
  const text = (value: string) => new TextEncoder().encode(value);
  return new Map([
    ['manifest.json', text(JSON.stringify(manifest, null, 2))],
    ['dist/extension.js', text('penny.tools.register("echo_table", async (args) => ({ content: args }));\n'.repeat(40))],
    ['dist/renderer.js', text('addEventListener("message", (event) => document.body.textContent = String(event.data));\n')],
    ['README.md', text('# echo-table\n')],
  ]);
}

export function toList(files: Map<string, Uint8Array>): { path: string; bytes: Uint8Array }[] {
  return [...files].map(([path, bytes]) => ({ path, bytes }));
}

export interface SignedFixture {
  publisher: KeyPair;
  bundle: Uint8Array;
}

export function signedBundle(files = bundleFiles(), publisher = generateKeyPair('acme')): SignedFixture {
  return { publisher, bundle: signBundle(packFiles(toList(files)), publisher, { signedAt: new Date('2026-01-02T03:04:05Z') }) };
}

/** Unpacks, lets the caller change the files, and repacks with our own writer (signature.json kept as is). */
export function rewrite(bundle: Uint8Array, change: (files: Map<string, Uint8Array>) => void): Uint8Array {
  const files = new Map(unpack(bundle).files.map((file) => [file.path, file.bytes]));
  change(files);
  return packFiles(toList(files));
}

/** A zip written entry by entry, for names and attributes our packer refuses to produce. */
export function craftZip(entries: (Partial<ZipWriteEntry> & { name: string; content?: string | Uint8Array })[]): Uint8Array {
  return writeZip(
    entries.map(({ content = '', ...rest }) => ({
      ...compressEntry(rest.name, typeof content === 'string' ? new TextEncoder().encode(content) : content),
      ...rest,
    })),
  );
}

export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

export function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
