#!/usr/bin/env node
// Runs every test in the repository. The database-facing tests need a PostgreSQL server and Redis:
// the ones on the default loopback ports are used when they answer; otherwise throwaway ones are
// started from Debian's packages (installed when missing) on free ports and stopped afterwards.
// The browser tests need Debian's chromium, installed when missing.
// Ends with the line `N passed, N failed[, N skipped]`.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cleanups = [];
// Set to start throwaway servers even when the default ports answer (to test this script itself).
const forceThrowaway = process.env.PENNY_TEST_THROWAWAY === '1';

function log(message) {
  console.log(`[test] ${message}`);
}

function reachable(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

function aptInstall(...packages) {
  if (process.getuid?.() !== 0) throw new Error(`install ${packages.join(' ')} (Debian packages) and run the tests again`);
  log(`installing ${packages.join(' ')} from Debian's packages`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function which(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).stdout.trim() || null;
}

function postgresBin() {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (fs.existsSync(path.join(base, v, 'bin', 'initdb'))) return path.join(base, v, 'bin');
  return null;
}

async function ensurePostgres() {
  if (process.env.PENNY_TEST_PG_URL) return;
  if (!forceThrowaway && (await reachable(5432))) {
    process.env.PENNY_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
    return;
  }
  let bin = postgresBin();
  if (!bin) {
    aptInstall('postgresql');
    bin = postgresBin();
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penny-pg-'));
  // initdb refuses to run as root: run the server as the packaged postgres user.
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asUser.length) execFileSync('chown', ['postgres:postgres', dir]);
  const run = (cmd, args) => execFileSync(asUser[0] ?? cmd, [...asUser.slice(1), ...(asUser.length ? [cmd] : []), ...args], { stdio: 'pipe' });
  log(`starting a throwaway PostgreSQL on port ${port}`);
  run(path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  run(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  cleanups.push(() => {
    run(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  process.env.PENNY_TEST_PG_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
}

async function ensureRedis() {
  if (process.env.PENNY_TEST_REDIS_URL) return;
  if (!forceThrowaway && (await reachable(6379))) {
    process.env.PENNY_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
    return;
  }
  if (!which('redis-server')) aptInstall('redis-server');
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penny-redis-'));
  log(`starting a throwaway Redis on port ${port}`);
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  cleanups.push(() => {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 50 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 100));
  process.env.PENNY_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
}

/** The browser tests drive Debian's Chromium (never a downloaded one). */
function ensureChromium() {
  const chromium = process.env.PENNY_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) aptInstall('chromium');
  process.env.PENNY_CHROMIUM = chromium;
}

function runVitest(extraArgs) {
  const report = path.join(os.tmpdir(), `penny-vitest-${process.pid}.json`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs], {
      cwd: root,
      stdio: 'inherit',
      env: process.env,
    });
    child.on('exit', (code) => {
      let summary = null;
      try {
        summary = JSON.parse(fs.readFileSync(report, 'utf8'));
        fs.rmSync(report, { force: true });
      } catch {
        // no report: the runner itself failed before running tests
      }
      resolve({ code: code ?? 1, summary });
    });
  });
}

async function main() {
  let exitCode = 1;
  let closing = '0 passed, 1 failed';
  try {
    await ensurePostgres();
    await ensureRedis();
    ensureChromium();
    log(`PostgreSQL at ${process.env.PENNY_TEST_PG_URL}, Redis at ${process.env.PENNY_TEST_REDIS_URL}`);
    const { code, summary } = await runVitest(process.argv.slice(2));
    const passed = summary?.numPassedTests ?? 0;
    const failed = (summary?.numFailedTests ?? 0) + (summary ? 0 : 1);
    const skipped = (summary?.numPendingTests ?? 0) + (summary?.numTodoTests ?? 0);
    exitCode = code === 0 && failed === 0 && passed > 0 ? 0 : 1;
    closing = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  } catch (err) {
    console.error(`[test] ${err.message}`);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        cleanup();
      } catch (err) {
        console.error(`[test] cleanup failed: ${err.message}`);
      }
    }
  }
  console.log(closing);
  process.exit(exitCode);
}

main();
