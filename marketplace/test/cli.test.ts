// The author's journey through the real penny-ext binary, one child process per command:
// new -> build -> (the scaffold's own test) -> pack -> keys -> sign -> verify -> tamper -> publish.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packFiles, unpack } from '../src/index.ts';

const bin = fileURLToPath(new URL('../bin/penny-ext.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;
let env: NodeJS.ProcessEnv;

function penny(args: string[], cwd = root): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function node(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function expectOk(run: Run): Run {
  expect(run.stderr, `stdout: ${run.stdout}`).toBe('');
  expect(run.code).toBe(0);
  return run;
}

describe('penny-ext, end to end', { timeout: 120_000 }, () => {
  let project: string;
  let bundlePath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'penny-ext-cli-'));
    env = { ...process.env, PENNY_EXT_KEYS_DIR: join(root, 'keys'), PENNY_TOKEN: '' };
    project = join(root, 'word-count');
    bundlePath = join(project, 'acme.word-count-0.1.0.pennyext');
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('scaffolds, builds and tests a tool extension', async () => {
    expect(expectOk(await penny(['new', 'tool', 'word-count', '--publisher', 'acme', '--dir', project])).stdout).toMatch(
      /created tool extension acme\.word-count/,
    );
    expect(expectOk(await penny(['build', '--dir', project])).stdout).toMatch(/built main: src\/extension\.ts -> dist\/extension\.js/);
    const scaffoldTest = await node(['--test', 'test/'], project);
    expect(scaffoldTest.code, scaffoldTest.stdout + scaffoldTest.stderr).toBe(0);
    expect(scaffoldTest.stdout).toMatch(/# pass 1/);
  });

  it('packs, generates a key, signs and verifies', async () => {
    expect(expectOk(await penny(['pack', '--dir', project])).stdout).toMatch(/packed 3 files into .*acme\.word-count-0\.1\.0\.pennyext/);
    const generated = expectOk(await penny(['keys', 'generate', 'acme'])).stdout;
    const keyId = /ed25519:[0-9a-f]{32}/.exec(generated)?.[0];
    expect(keyId).toBeDefined();
    expect((await stat(join(root, 'keys', 'acme.key.json'))).mode & 0o777).toBe(0o600);
    expect(expectOk(await penny(['keys', 'list'])).stdout).toContain(`acme\t${keyId}`);
    expectOk(await penny(['keys', 'export', 'acme', '--out', join(root, 'acme.pub.json')]));
    expect(await readFile(join(root, 'acme.pub.json'), 'utf8')).not.toContain('secretKey');

    expect(expectOk(await penny(['sign', bundlePath, '--key', 'acme'])).stdout).toContain(`signed ${bundlePath} with acme ${keyId}`);
    const verified = expectOk(await penny(['verify', bundlePath, '--trust', join(root, 'acme.pub.json'), '--engine', '1.0.3']));
    expect(verified.stdout).toContain(`verified acme.word-count@0.1.0: signed by acme ${keyId}`);
  });

  it('fails verification with a clear message after tampering', async () => {
    const files = new Map(unpack(new Uint8Array(await readFile(bundlePath))).files.map((file) => [file.path, file.bytes]));
    const code = files.get('dist/extension.js')!;
    code[code.length - 2] = code[code.length - 2]! ^ 0x20;
    const tampered = join(root, 'tampered.pennyext');
    await writeFile(tampered, packFiles([...files].map(([path, bytes]) => ({ path, bytes }))));

    const run = await penny(['verify', tampered, '--trust', join(root, 'acme.pub.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /failed verification \[file_modified\]: dist\/extension\.js changed after signing; do not install this bundle/,
    );
  });

  it('refuses a bundle signed by a key that is not trusted', async () => {
    expectOk(await penny(['keys', 'generate', 'someone-else']));
    const run = await penny(['verify', bundlePath, '--trust', 'someone-else', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, code: 'untrusted_key' });
    expect(run.stderr).toMatch(/\[untrusted_key\].*add their public key/);
  });

  it('refuses an engine the extension does not support', async () => {
    const run = await penny(['verify', bundlePath, '--trust', 'acme', '--engine', '2.0.0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\[engine_mismatch\]: acme\.word-count@0\.1\.0 requires Penny \^1\.0\.0, but this is Penny 2\.0\.0/);
  });

  describe('publish', () => {
    let server: Server;
    let url: string;
    const received: { headers: IncomingMessage['headers']; path: string | undefined; body: Buffer }[] = [];

    beforeAll(async () => {
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push({ headers: request.headers, path: request.url, body: Buffer.concat(chunks) });
          if (received.length === 1) {
            response
              .writeHead(201, { 'content-type': 'application/json' })
              .end(JSON.stringify({ id: 'acme.word-count', version: '0.1.0' }));
          } else {
            response.writeHead(409, { 'content-type': 'application/problem+json' }).end(
              JSON.stringify({
                type: 'about:blank',
                title: 'Conflict',
                status: 409,
                detail: 'acme.word-count@0.1.0 is already published',
              }),
            );
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

    it('uploads the signed bundle and reports the server problem on failure', async () => {
      const first = expectOk(await penny(['publish', bundlePath, '--url', url, '--token', 'tok-123']));
      expect(first.stdout).toMatch(/published acme\.word-count@0\.1\.0 .* HTTP 201/);
      expect(received[0]!.path).toBe('/v1/marketplace/bundles');
      expect(received[0]!.headers['authorization']).toBe('Bearer tok-123');
      expect(received[0]!.headers['content-type']).toBe('application/vnd.penny.extension+zip');
      expect(received[0]!.body.equals(await readFile(bundlePath))).toBe(true);

      const second = await penny(['publish', bundlePath, '--url', url, '--token', 'tok-123']);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('HTTP 409: acme.word-count@0.1.0 is already published');
      expect(second.stderr).toMatch(/raise "version"/);
    });

    it('refuses to upload an unsigned bundle or without a token', async () => {
      const unsigned = join(root, 'unsigned.pennyext');
      await writeFile(unsigned, packFiles([{ path: 'package.json', bytes: await readFile(join(project, 'package.json')) }]));
      const run = await penny(['publish', unsigned, '--url', url, '--token', 'tok-123']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/is not signed; sign it first: penny-ext sign/);
      expect((await penny(['publish', bundlePath, '--url', url])).stderr).toMatch(/no API token/);
      expect(received).toHaveLength(2);
    });
  });

  it('prints help for every command and exits 2 on usage errors', async () => {
    for (const command of ['new', 'build', 'pack', 'keys', 'keys generate', 'keys list', 'keys export', 'sign', 'verify', 'publish']) {
      const run = expectOk(await penny([...command.split(' '), '--help']));
      expect(run.stdout, command).toMatch(/^Usage: penny-ext /);
    }
    const usage = await penny(['new', 'widget', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Allowed choices are tool, provider, renderer/);
  });
});
