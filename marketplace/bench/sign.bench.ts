// Sign and verify times for 1 MiB and 10 MiB bundles, compressible (JavaScript text) and
// incompressible (random bytes). Prints medians; run with `npm run bench -w @penny/marketplace`.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  generateKeyPair,
  packFiles,
  publicKeyOf,
  signBundle,
  verifyBundle,
  verifyExtensionBundle,
  type BundleManifest,
} from '../src/index.ts';

const MiB = 1024 * 1024;
const key = generateKeyPair('bench');
const manifest = {
  name: 'bench',
  publisher: 'penny',
  version: '1.0.0',
  engines: { penny: '^1.0.0' },
  main: 'dist/extension.js',
  contributes: { tools: [{ name: 'bench', description: 'bench', parameters: { type: 'object' } }] },
};

function javascript(size: number): Uint8Array {
  const source = readFileSync(createRequire(import.meta.url).resolve('typescript/lib/typescript.js'));
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += source.length) out.set(source.subarray(0, Math.min(source.length, size - at)), at);
  return out;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(runs: number, task: () => unknown): number {
  task(); // warm-up
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    task();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

console.log(`node ${process.version}, ${process.arch}; medians in ms`);
// "verify" is what the kernel runs (manifest schema included); "no schema" isolates the container,
// hashing and signature work from @penny/manifests' validator.
console.log('content         total    bundle    pack    sign   verify  no schema');
for (const size of [1 * MiB, 10 * MiB]) {
  for (const [label, content] of [
    ['javascript', javascript(size)],
    ['random', new Uint8Array(randomBytes(size))],
  ] as const) {
    const files = [
      { path: 'manifest.json', bytes: new TextEncoder().encode(JSON.stringify(manifest)) },
      { path: 'dist/extension.js', bytes: content },
    ];
    const runs = size > MiB ? 7 : 21;
    const unsigned = packFiles(files);
    const signed = signBundle(unsigned, key);
    const packMs = time(runs, () => packFiles(files));
    const signMs = time(runs, () => signBundle(unsigned, key));
    const verifyMs = time(runs, () => {
      const result = verifyExtensionBundle(signed, { trustedKeys: [publicKeyOf(key)], engineVersion: '1.0.0' });
      if (!result.ok) throw new Error(result.message);
    });
    const bareMs = time(runs, () => {
      const result = verifyBundle(signed, {
        trustedKeys: [publicKeyOf(key)],
        engineVersion: null,
        validateManifest: (input) => ({ ok: true, manifest: input as BundleManifest }),
      });
      if (!result.ok) throw new Error(result.message);
    });
    const row = [
      label.padEnd(12),
      `${size / MiB} MiB`.padStart(8),
      `${(signed.length / MiB).toFixed(2)} MiB`.padStart(9),
      packMs.toFixed(1).padStart(7),
      signMs.toFixed(1).padStart(7),
      verifyMs.toFixed(1).padStart(8),
      bareMs.toFixed(1).padStart(10),
    ];
    console.log(row.join(' '));
  }
}
