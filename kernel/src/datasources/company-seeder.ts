// Fills a tenant's company tables with the generated demo dataset, and gives the demo tenant its
// data on start when it has none.
import { inject, injectable } from 'inversify';
import { KernelConfig } from '../config/config.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { Database, type EntityManager } from '../database/database.service.ts';
import {
  currentMonth,
  DEFAULT_COMPANY_MONTHS,
  DEFAULT_COMPANY_SEED,
  generateCompanyData,
  type CompanySeedOptions,
} from './company-data.ts';

export interface CompanySeedResult {
  seeded: boolean;
  seed: number;
  businessUnits: number;
  projects: number;
  facts: number;
  from: string;
  to: string;
}

export interface SeedActor {
  id: string | null;
  label: string;
  ip?: string;
}

@injectable()
export class CompanySeeder {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  /** Replaces the tenant's company data (or, with `onlyIfEmpty`, leaves existing data alone). */
  async seed(
    tenantId: string,
    actor: SeedActor,
    options: Partial<CompanySeedOptions> = {},
    onlyIfEmpty = false,
  ): Promise<CompanySeedResult> {
    const resolved: CompanySeedOptions = {
      seed: options.seed ?? DEFAULT_COMPANY_SEED,
      months: options.months ?? DEFAULT_COMPANY_MONTHS,
      endMonth: options.endMonth ?? currentMonth(),
    };
    const data = generateCompanyData(resolved);
    const summary = {
      seed: resolved.seed,
      businessUnits: data.businessUnits.length,
      projects: data.projects.length,
      facts: data.facts.length,
      from: data.facts[0]!.month,
      to: resolved.endMonth,
    };
    return this.db.tenant(tenantId, async (em) => {
      // Kernels starting together (or two admins) take turns, so nobody inserts over a half-done seed.
      await em.execute(`SELECT pg_advisory_xact_lock(hashtext('penny:company-seed:' || ?))`, [tenantId]);
      if (onlyIfEmpty && (await em.execute(`SELECT 1 FROM company_business_unit LIMIT 1`)).length) return { ...summary, seeded: false };
      await em.execute(`DELETE FROM company_business_unit`);
      await insertAll(em, tenantId, data);
      await this.audit.append(em, {
        tenantId,
        actorId: actor.id,
        actor: actor.label,
        action: 'datasource.seeded',
        target: 'datasource:company',
        payload: resolved,
        ip: actor.ip ?? null,
      });
      return { ...summary, seeded: true };
    });
  }
}

/** One statement per table: the rows travel as one JSON parameter instead of thousands of placeholders. */
async function insertAll(em: EntityManager, tenantId: string, data: ReturnType<typeof generateCompanyData>): Promise<void> {
  await em.execute(
    `INSERT INTO company_business_unit (tenant_id, id, name)
     SELECT ?::uuid, x.id, x.name FROM jsonb_to_recordset(?::jsonb) AS x(id text, name text)`,
    [tenantId, JSON.stringify(data.businessUnits)],
  );
  await em.execute(
    `INSERT INTO company_project (tenant_id, id, business_unit_id, name)
     SELECT ?::uuid, x.id, x."businessUnitId", x.name FROM jsonb_to_recordset(?::jsonb) AS x(id text, "businessUnitId" text, name text)`,
    [tenantId, JSON.stringify(data.projects)],
  );
  await em.execute(
    `INSERT INTO company_monthly_fact (tenant_id, project_id, month, revenue, costs, budget, headcount, hires, departures, pipeline, incidents)
     SELECT ?::uuid, x."projectId", (x.month || '-01')::date, x.revenue, x.costs, x.budget, x.headcount, x.hires, x.departures, x.pipeline, x.incidents
     FROM jsonb_to_recordset(?::jsonb) AS x("projectId" text, month text, revenue integer, costs integer, budget integer,
       headcount integer, hires integer, departures integer, pipeline integer, incidents integer)`,
    [tenantId, JSON.stringify(data.facts)],
  );
}

/** After first start (30) has made the demo tenant: its company data, once, if it has none. */
@injectable()
export class DemoCompanyData implements LifecycleContribution {
  readonly order = 35;

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(Database) private readonly db: Database,
    @inject(CompanySeeder) private readonly seeder: CompanySeeder,
  ) {}

  async start(): Promise<void> {
    if (!this.config.demoTenant) return;
    const [demo] = await this.db.query<{ id: string }>(`SELECT id FROM tenant WHERE slug = 'demo'`);
    if (demo) await this.seeder.seed(demo.id, { id: null, label: 'system' }, {}, true);
  }
}
