// The kernel's one way to reach PostgreSQL. Tenant work runs in a short transaction as the
// non-owner role `penny_app` with the tenant set transaction-locally, so row-level security
// hides every other tenant's rows even from a query that forgets its filter.
import { inject, injectable, multiInject } from 'inversify';
import { MikroORM, type EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { EntitySchema } from '@mikro-orm/core';
import pg from 'pg';
import path from 'node:path';
import { KernelConfig } from '../config/config.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { MIGRATIONS } from './migrations/index.ts';

/** Features bind their entity schemas with this; the database collects them all at start. */
export interface EntityContribution {
  readonly entities: EntitySchema[];
}
export const EntityContribution = Symbol('EntityContribution');

export type { EntityManager };

const APP_ROLE = 'penny_app';
const MIGRATION_LOCK_KEY = 7_262_001;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What raw statements need: `?` placeholders, rows back. Both an EntityManager and a SqlSession have it. */
export interface SqlExecutor {
  execute<T = Record<string, unknown>[]>(sql: string, params?: unknown[]): Promise<T>;
}

/** Both run raw statements the same way; only their declared result types differ. */
export function asExecutor(tx: EntityManager | SqlExecutor): SqlExecutor {
  return tx as SqlExecutor;
}

export interface Database {
  /** Runs `work` in a transaction as the tenant: RLS limits every statement to its rows. */
  tenant<T>(tenantId: string, work: (em: EntityManager) => Promise<T>): Promise<T>;
  /**
   * The same transaction as the tenant, without the ORM: raw statements on the PostgreSQL driver,
   * opened in one round trip. For hot paths (a chat turn) that need no entities.
   */
  tenantSql<T>(tenantId: string, work: (sql: SqlExecutor) => Promise<T>): Promise<T>;
  /** One statement as the owner, outside any transaction: the cheap path for lookups. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `work` in a transaction as the owner (no RLS): sign-in, platform administration. */
  system<T>(work: (em: EntityManager) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  pendingMigrations(): Promise<string[]>;
  readonly url: string;
  readonly embedded: boolean;
}
export const Database = Symbol('Database');

@injectable()
export class PostgresDatabase implements Database, LifecycleContribution {
  readonly order = 10;
  private orm: MikroORM | undefined;
  private embeddedServer: EmbeddedPostgres | undefined;
  private pool: pg.Pool | undefined;
  private connectionUrl = '';

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @multiInject(EntityContribution) private readonly contributions: EntityContribution[],
  ) {}

  get url(): string {
    return this.connectionUrl;
  }

  get embedded(): boolean {
    return this.embeddedServer !== undefined;
  }

  async start(): Promise<void> {
    if (this.config.databaseUrl) {
      this.connectionUrl = this.config.databaseUrl;
    } else {
      this.embeddedServer = await startEmbeddedPostgres(
        path.join(this.config.dataDir, 'data'),
        // The ORM's pool, the raw pool and a few one-off clients (migrations).
        2 * this.config.databasePoolSize + 4,
      );
      this.connectionUrl = this.embeddedServer.url;
    }
    this.orm = await MikroORM.init({
      driver: PostgreSqlDriver,
      clientUrl: this.connectionUrl,
      entities: this.contributions.flatMap((c) => c.entities),
      extensions: [Migrator],
      pool: { min: 0, max: this.config.databasePoolSize },
      allowGlobalContext: false,
      debug: false,
      discovery: { warnWhenNoEntities: false },
      migrations: {
        migrationsList: MIGRATIONS,
        tableName: 'penny_migrations',
        transactional: true,
        allOrNothing: true,
        snapshot: false,
        silent: true,
      },
    });
    await this.migrate();
    this.pool = new pg.Pool({ connectionString: this.connectionUrl, max: this.config.databasePoolSize });
    // An idle client whose server went away must not crash the kernel; the next checkout reconnects.
    this.pool.on('error', () => undefined);
  }

  async stop(): Promise<void> {
    await this.pool?.end();
    this.pool = undefined;
    await this.orm?.close(true);
    this.orm = undefined;
    await this.embeddedServer?.stop();
    this.embeddedServer = undefined;
  }

  private get em(): EntityManager {
    if (!this.orm) throw new Error('database not started');
    return this.orm.em.fork() as EntityManager;
  }

  /** Kernels starting together against one server take turns applying migrations. */
  private async migrate(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await this.orm!.getMigrator().up();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await client.end();
    }
  }

  async tenant<T>(tenantId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    // The tenant id is interpolated into a role-changing transaction: accept only a UUID.
    if (!UUID.test(tenantId)) throw new Error(`invalid tenant id "${tenantId}"`);
    return this.em.transactional(async (em) => {
      // Both settings are transaction-local: they vanish at COMMIT, so a pooled connection (or
      // PGlite's one shared session) never carries a tenant into the next transaction.
      await em.execute(`SELECT set_config('app.tenant_id', ?, true), set_config('role', '${APP_ROLE}', true)`, [tenantId]);
      return work(em as EntityManager);
    });
  }

  async tenantSql<T>(tenantId: string, work: (sql: SqlExecutor) => Promise<T>): Promise<T> {
    if (!UUID.test(tenantId)) throw new Error(`invalid tenant id "${tenantId}"`);
    if (!this.pool) throw new Error('database not started');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // Several statements in one simple query: BEGIN and the transaction-local tenant and role in
      // one round trip. The id is interpolated, which is why only a UUID is accepted above.
      await client.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true), set_config('role', '${APP_ROLE}', true)`);
      const session: SqlExecutor = {
        execute: async <R>(sql: string, params: unknown[] = []) => (await client.query(numbered(sql), params)).rows as R,
      };
      const result = await work(session);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.em.execute<T[]>(sql, params);
  }

  async system<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.em.transactional(async (em) => work(em as EntityManager));
  }

  async ping(): Promise<void> {
    await this.em.execute('SELECT 1');
  }

  async pendingMigrations(): Promise<string[]> {
    if (!this.orm) return ['(database not started)'];
    const pending = await this.orm.getMigrator().getPendingMigrations();
    return pending.map((m) => m.name);
  }
}

const numberedCache = new Map<string, string>();

/** `?` placeholders (as the ORM writes them) to PostgreSQL's `$1`, `$2`… outside quoted text. */
export function numbered(sql: string): string {
  const cached = numberedCache.get(sql);
  if (cached !== undefined) return cached;
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  // Statements are constants in the code: the cache stays small; a bound keeps it so regardless.
  if (numberedCache.size < 1000) numberedCache.set(sql, out);
  return out;
}
