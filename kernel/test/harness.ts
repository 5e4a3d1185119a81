// Starts real kernels for tests: on the embedded PGlite or on a fresh database of the real
// PostgreSQL server (chosen by PENNY_TEST_DB), with Redis when asked.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { loadConfig, type KernelConfig } from '../src/config/config.ts';
import type { ContainerModule } from 'inversify';
import { startKernel, type Kernel } from '../src/kernel.ts';

export const testDb = (process.env.PENNY_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';
export const pgAdminUrl = process.env.PENNY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.PENNY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const ADMIN_EMAIL = 'admin@penny.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestDatabase {
  /** undefined on PGlite: the kernel runs it embedded in `dataDir`. */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

const TEMPLATE_DIR = path.join(os.tmpdir(), `penny-pglite-template-${process.env.npm_package_version ?? 'v1'}-0.5.14`);

/** A freshly initialised PGlite directory is copied instead of running initdb for every test. */
async function pgliteTemplate(): Promise<string> {
  try {
    await fs.access(path.join(TEMPLATE_DIR, 'PG_VERSION'));
    return TEMPLATE_DIR;
  } catch {
    const staging = `${TEMPLATE_DIR}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const db = await PGlite.create({ dataDir: staging, extensions: { vector } });
    await db.close();
    await fs.rename(staging, TEMPLATE_DIR).catch(async () => fs.rm(staging, { recursive: true, force: true }));
    return TEMPLATE_DIR;
  }
}

/** A database of the kind PENNY_TEST_DB names (read when this module loads), or of the kind asked. */
export async function createTestDatabase(kind: 'pglite' | 'postgres' = testDb): Promise<TestDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'penny-test-'));
  if (kind === 'pglite') {
    await fs.cp(await pgliteTemplate(), path.join(dataDir, 'data'), { recursive: true });
    return { url: undefined, dataDir, drop: () => fs.rm(dataDir, { recursive: true, force: true }) };
  }
  const name = `penny_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    async drop() {
      const c = new pg.Client({ connectionString: pgAdminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestKernel {
  kernel: Kernel;
  url: string;
  db: TestDatabase;
  stop(): Promise<void>;
}

export async function startTestKernel(options: { config?: Partial<KernelConfig>; database?: TestDatabase; redis?: boolean; modules?: ContainerModule[] } = {}): Promise<TestKernel> {
  const db = options.database ?? (await createTestDatabase());
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: db.dataDir,
      databaseUrl: db.url,
      adminEmail: ADMIN_EMAIL,
      adminPassword: ADMIN_PASSWORD,
      logLevel: 'silent',
      redisUrl: options.redis ? redisUrl : undefined,
      redisPrefix: `penny-test-${randomBytes(4).toString('hex')}:`,
      ...options.config,
    },
  );
  const kernel = await startKernel(config, options.modules);
  return {
    kernel,
    url: kernel.url,
    db,
    async stop() {
      await kernel.stop();
      if (!options.database) await db.drop();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small JSON client that remembers a bearer token and a tenant, like an API user would. */
export class Api {
  constructor(
    readonly baseUrl: string,
    public token?: string,
    public tenant?: string,
  ) {}

  async request<T = any>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (this.tenant) h['x-penny-tenant'] = this.tenant;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + route, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get<T = any>(route: string) {
    return this.request<T>('GET', route);
  }
  post<T = any>(route: string, body?: unknown) {
    return this.request<T>('POST', route, body ?? {});
  }
  patch<T = any>(route: string, body: unknown) {
    return this.request<T>('PATCH', route, body);
  }
  delete<T = any>(route: string) {
    return this.request<T>('DELETE', route);
  }

  /** Signs in and returns a client using the sign-in bearer token. */
  async signIn(email: string, password: string, tenant?: string): Promise<Api> {
    const res = await this.post('/v1/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`sign-in as ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return new Api(this.baseUrl, res.body.token, tenant);
  }
}

export interface SseEvent {
  id: number | null;
  event: string;
  data: any;
}

/** Reads a Server-Sent Events response, calling `onEvent` for each; resolves when it ends. */
export async function readSse(res: Response, onEvent: (event: SseEvent) => void | boolean): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (!block.trim() || block.startsWith(':')) continue;
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]));
      // Returning false stops reading, like a client that went away.
      if (onEvent({ id: fields.id ? Number(fields.id) : null, event: fields.event ?? 'message', data: fields.data ? JSON.parse(fields.data) : null }) === false) {
        // Not awaited: cancelling resolves only once the server has closed its side.
        void reader.cancel().catch(() => undefined);
        return;
      }
    }
  }
}
