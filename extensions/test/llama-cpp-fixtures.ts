// For the sidecar and llama-cpp suites: a built-ins directory holding the real llama-cpp extension (a
// copy of its package) and a "prober" extension whose tools fetch any URL from its isolate
// and whose sidecars misbehave on purpose (listening beyond loopback, eating memory).
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ContainerModule } from 'inversify';
import type { ExtensionManifest } from '@penny/manifests';
import { loadConfig } from '../../kernel/src/config/config.ts';
import { loadMarketplaceConfig, MarketplaceConfig } from '../../kernel/src/marketplace/marketplace.config.ts';
import { repoRoot } from '../../kernel/test/extension-fixtures.ts';
import { createTestDatabase, startTestKernel, type TestKernel } from '../../kernel/test/harness.ts';
import { tempDir } from '../../kernel/test/marketplace.fixtures.ts';

export const STORIES_MODEL = path.join(repoRoot, 'kernel/test/fixtures/models/stories260K.gguf');

const PROBER_MANIFEST: ExtensionManifest = {
  name: 'prober',
  publisher: 'penny',
  version: '1.0.0',
  description: 'Fetches URLs from its isolate, for sidecar tests.',
  engines: { penny: '^1.0.0' },
  main: 'dist/extension.js',
  permissions: { network: [], secrets: [], datasources: [] },
  contributes: {
    tools: [
      {
        name: 'probe',
        description: 'Fetch a URL',
        parameters: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
      },
      {
        name: 'sidecar_url',
        description: 'A sidecar address',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    ],
    sidecars: [
      { id: 'echo', command: 'sidecar/echo.mjs', memoryMb: 128, port: { kind: 'loopback' } },
      { id: 'wide', command: 'sidecar/wide.mjs', port: { kind: 'loopback' } },
      { id: 'hog', command: 'sidecar/hog.mjs', memoryMb: 96, port: { kind: 'loopback' } },
    ],
  },
};

const PROBER_SOURCE = `import type { PennyApi } from '@penny/manifests';
export function activate(penny: PennyApi): void {
  penny.tools.register('probe', async (args) => {
    try {
      const res = await penny.fetch(String(args.url));
      return { content: { status: res.status, body: (await res.text()).slice(0, 4000) } };
    } catch (error) {
      const e = error as { name?: string; code?: string; message?: string };
      return { content: { error: { name: String(e.name), code: e.code ?? null, message: String(e.message) } } };
    }
  });
  penny.tools.register('sidecar_url', async (args) => ({ content: { url: penny.sidecars.url(String(args.id)) } }));
}
`;

const SERVER = (host: string, handler: string) => `import http from 'node:http';
const token = process.env.PENNY_SIDECAR_TOKEN;
const held = [];
http.createServer((req, res) => {
  if (req.headers['x-penny-sidecar-token'] !== token) return void res.writeHead(401).end('no token');
  ${handler}
}).listen(Number(process.env.PENNY_SIDECAR_PORT), '${host}');
`;

const ECHO = SERVER(
  '127.0.0.1',
  `res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, env: Object.keys(process.env).sort(), cwd: process.cwd() }));`,
);
const WIDE = SERVER('0.0.0.0', `res.writeHead(200).end('ok');`);
const HOG = SERVER(
  '127.0.0.1',
  `if (req.url === '/grow') { for (let i = 0; i < 8; i++) held.push(Buffer.alloc(32 << 20, 1)); }
  res.writeHead(200).end(String(process.memoryUsage().rss));`,
);

/** A built-ins directory with llama-cpp (and the provider kit it imports) and the prober. */
export async function sidecarBuiltins(): Promise<string> {
  const root = await tempDir('sidecar-builtins');
  // Copied (the scan skips links), with the provider kit its sources import by relative path.
  for (const name of ['llama-cpp', 'shared'])
    await fs.cp(path.join(repoRoot, 'extensions', name), path.join(root, name), { recursive: true });
  const prober = path.join(root, 'prober');
  await fs.mkdir(path.join(prober, 'src'), { recursive: true });
  await fs.mkdir(path.join(prober, 'sidecar'));
  await fs.writeFile(path.join(prober, 'manifest.json'), JSON.stringify(PROBER_MANIFEST, null, 2));
  await fs.writeFile(path.join(prober, 'src/extension.ts'), PROBER_SOURCE);
  await fs.writeFile(path.join(prober, 'sidecar/echo.mjs'), ECHO);
  await fs.writeFile(path.join(prober, 'sidecar/wide.mjs'), WIDE);
  await fs.writeFile(path.join(prober, 'sidecar/hog.mjs'), HOG);
  return root;
}

/** A kernel whose demo tenant has the built-ins above, with PENNY_LOCAL_MODEL set to the test model. */
export async function startSidecarKernel(builtinsDir: string): Promise<TestKernel> {
  const database = await createTestDatabase();
  const module = new ContainerModule(({ rebind }) => {
    rebind(MarketplaceConfig).toConstantValue({
      ...loadMarketplaceConfig({}, { dataDir: database.dataDir }),
      builtinsDir,
      mirrorDir: null,
    });
  });
  const providers = { ...loadConfig({}).providers, localModel: STORIES_MODEL };
  const kernel = await startTestKernel({ modules: [module], database, config: { providers } });
  return {
    ...kernel,
    async stop() {
      await kernel.stop();
      await database.drop();
    },
  };
}

/** Whether a process is still there (an exited one that its parent has not reaped yet is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export async function until<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
