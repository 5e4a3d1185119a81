// The built-in `company` datasource: KPIs, monthly series and the list of units, computed from the
// tenant's own company tables. Periods are relative to the latest month with data, so a dataset
// seeded last month still answers sensibly today.
import { injectable } from 'inversify';
import { pennyError, type DatasourceResult, type JsonValue } from '@penny/manifests';
import type { EntityManager } from '../database/database.service.ts';
import type { DatasourceContribution, NamedQuery } from './datasource.ts';
import { addMonths } from './company-data.ts';

export const COMPANY_DATASOURCE = 'company';

export const PERIODS = ['MTD', 'QTD', 'YTD'] as const;
export const UNITS = ['company', 'bu', 'project'] as const;
export const METRICS = ['revenue', 'costs', 'budget', 'variance', 'burn', 'headcount', 'incidents', 'pipeline', 'hires'] as const;
type Period = (typeof PERIODS)[number];
type Unit = (typeof UNITS)[number];
type Metric = (typeof METRICS)[number];

const unitId = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' };
const metric = { type: 'string', enum: METRICS };

/** How each unit groups and filters: fixed SQL fragments, never built from parameters. */
const GROUPING: Record<Unit, { id: string; name: string; filter: string; groupBy: string }> = {
  company: { id: `'company'`, name: `'Company'`, filter: '', groupBy: '' },
  bu: { id: 'p.business_unit_id', name: 'b.name', filter: 'AND p.business_unit_id = ?', groupBy: ', p.business_unit_id, b.name' },
  project: { id: 'f.project_id', name: 'p.name', filter: 'AND f.project_id = ?', groupBy: ', f.project_id, p.name' },
};

const FROM = `FROM company_monthly_fact f
  JOIN company_project p ON p.tenant_id = f.tenant_id AND p.id = f.project_id
  JOIN company_business_unit b ON b.tenant_id = p.tenant_id AND b.id = p.business_unit_id`;

interface Totals {
  id: string;
  name: string;
  revenue: number;
  costs: number;
  budget: number;
  headcount: number;
  incidents: number;
  pipeline: number;
  hires: number;
}

function metricOf(row: Totals, name: Metric): number {
  if (name === 'variance') return row.revenue - row.budget;
  if (name === 'burn') return row.costs - row.revenue;
  return row[name];
}

/** The first month of a period ending at `last` (`YYYY-MM`). */
export function periodStart(period: Period, last: string): string {
  const month = Number(last.slice(5));
  if (period === 'MTD') return last;
  if (period === 'YTD') return `${last.slice(0, 4)}-01`;
  return addMonths(last, -((month - 1) % 3));
}

async function latestMonth(em: EntityManager): Promise<string> {
  const [row] = await em.execute<{ last: string | null }[]>(`SELECT to_char(max(month), 'YYYY-MM') AS last FROM company_monthly_fact`);
  if (!row?.last) {
    throw pennyError(
      'NotFound',
      'the company dataset of this tenant is empty; a tenant admin fills it with POST /v1/datasources/company/seed',
    );
  }
  return row.last;
}

function scope(params: Record<string, JsonValue>): { unit: Unit; id: string | undefined } {
  const unit = (params.unit as Unit | undefined) ?? 'company';
  const id = params.id as string | undefined;
  if (unit === 'company' && id !== undefined && id !== 'company') throw pennyError('InvalidArguments', 'unit "company" takes no id');
  return { unit, id: unit === 'company' ? undefined : id };
}

async function requireUnit(em: EntityManager, unit: Unit, id: string | undefined): Promise<void> {
  if (id === undefined || unit === 'company') return;
  const table = unit === 'bu' ? 'company_business_unit' : 'company_project';
  const found = await em.execute<{ id: string }[]>(`SELECT id FROM ${table} WHERE id = ?`, [id]);
  if (found.length) return;
  const known = await em.execute<{ id: string }[]>(`SELECT id FROM ${table} ORDER BY id`);
  throw pennyError(
    'NotFound',
    `no ${unit === 'bu' ? 'business unit' : 'project'} "${id}"; known: ${known.map((k) => k.id).join(', ') || 'none'}`,
  );
}

/** Sums per unit (and per month when `byMonth`) over the months from `first` to `last`. */
async function totals(
  em: EntityManager,
  unit: Unit,
  id: string | undefined,
  first: string,
  last: string,
  byMonth: boolean,
): Promise<(Totals & { month?: string })[]> {
  const g = GROUPING[unit];
  // Headcount and pipeline are stocks: a period shows their value in its last month, not a sum.
  const stock = byMonth ? '' : ` FILTER (WHERE f.month = ?::date)`;
  const sql = `SELECT ${byMonth ? `to_char(f.month, 'YYYY-MM') AS month,` : ''} ${g.id} AS id, ${g.name} AS name,
      sum(f.revenue)::float8 AS revenue, sum(f.costs)::float8 AS costs, sum(f.budget)::float8 AS budget,
      coalesce(sum(f.headcount)${stock}, 0)::float8 AS headcount, sum(f.incidents)::float8 AS incidents,
      coalesce(sum(f.pipeline)${stock}, 0)::float8 AS pipeline, sum(f.hires)::float8 AS hires
    ${FROM}
    WHERE f.month BETWEEN ?::date AND ?::date ${id === undefined ? '' : g.filter}
    ${byMonth || g.groupBy ? `GROUP BY ${[byMonth ? 'f.month' : '', g.groupBy.slice(2)].filter(Boolean).join(', ')}` : ''}
    ORDER BY ${byMonth ? 'month, ' : ''}id`;
  const params: unknown[] = byMonth ? [] : [`${last}-01`, `${last}-01`];
  params.push(`${first}-01`, `${last}-01`);
  if (id !== undefined) params.push(id);
  const rows = await em.execute<(Totals & { month?: string })[]>(sql, params);
  // An aggregate without GROUP BY answers one row even when nothing matched.
  return rows.filter((r) => r.revenue !== null);
}

const kpis: NamedQuery = {
  description:
    'Revenue, costs, budget, variance (revenue − budget), burn (costs − revenue), headcount and pipeline at the end of the period, incidents and hires in it; one row per unit.',
  parameters: {
    type: 'object',
    properties: { period: { type: 'string', enum: PERIODS }, unit: { type: 'string', enum: UNITS }, id: unitId },
    required: ['period'],
    additionalProperties: false,
  },
  async run(em, params) {
    const period = params.period as Period;
    const { unit, id } = scope(params);
    await requireUnit(em, unit, id);
    const last = await latestMonth(em);
    const first = periodStart(period, last);
    const rows = await totals(em, unit, id, first, last, false);
    return {
      columns: [
        { name: 'period', type: 'string' },
        { name: 'from', type: 'string' },
        { name: 'to', type: 'string' },
        { name: 'unit', type: 'string' },
        { name: 'id', type: 'string' },
        { name: 'name', type: 'string' },
        ...METRICS.map((m) => ({ name: m, type: 'number' })),
      ],
      rows: rows.map((r) => [period, first, last, unit, r.id, r.name, ...METRICS.map((m) => metricOf(r, m))]),
    };
  },
};

const timeseries: NamedQuery = {
  description: 'Monthly values of one or more metrics per unit, for the last `months` months or the months of `period`.',
  parameters: {
    type: 'object',
    properties: {
      metric: { oneOf: [metric, { type: 'array', items: metric, minItems: 1, uniqueItems: true }] },
      unit: { type: 'string', enum: UNITS },
      id: unitId,
      months: { type: 'integer', minimum: 1, maximum: 60 },
      period: { type: 'string', enum: PERIODS },
    },
    required: ['metric'],
    not: { required: ['months', 'period'] },
    additionalProperties: false,
  },
  async run(em, params) {
    const metrics = (Array.isArray(params.metric) ? params.metric : [params.metric]) as Metric[];
    const { unit, id } = scope(params);
    await requireUnit(em, unit, id);
    const last = await latestMonth(em);
    const first = params.period
      ? periodStart(params.period as Period, last)
      : addMonths(last, -(((params.months as number | undefined) ?? 12) - 1));
    const rows = await totals(em, unit, id, first, last, true);
    return {
      columns: [
        { name: 'month', type: 'string' },
        { name: 'id', type: 'string' },
        { name: 'name', type: 'string' },
        ...metrics.map((m) => ({ name: m, type: 'number' })),
      ],
      rows: rows.map((r) => [r.month!, r.id, r.name, ...metrics.map((m) => metricOf(r, m))]),
    };
  },
};

const units: NamedQuery = {
  description: 'The business units and projects, with the business unit each project belongs to.',
  parameters: { type: 'object', properties: {}, additionalProperties: false },
  async run(em): Promise<DatasourceResult> {
    const rows = await em.execute<{ kind: string; id: string; name: string; business_unit_id: string | null }[]>(
      `SELECT 'bu' AS kind, id, name, NULL AS business_unit_id FROM company_business_unit
       UNION ALL SELECT 'project', id, name, business_unit_id FROM company_project
       ORDER BY kind, id`,
    );
    return {
      columns: [
        { name: 'kind', type: 'string' },
        { name: 'id', type: 'string' },
        { name: 'name', type: 'string' },
        { name: 'businessUnitId', type: 'string' },
      ],
      rows: rows.map((r) => [r.kind, r.id, r.name, r.business_unit_id]),
    };
  },
};

@injectable()
export class CompanyDatasource implements DatasourceContribution {
  readonly name = COMPANY_DATASOURCE;
  readonly description =
    'The demo company: business units, projects and their monthly revenue, costs, budget, headcount, pipeline, incidents and hiring.';
  readonly queries = { kpis, timeseries, units };
}
