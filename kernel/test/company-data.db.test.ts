// The built-in `company` datasource: seeded numbers that add up and repeat for a seed, named queries
// that check their parameters, row-level security between tenants, and the demo tenant's data on
// first start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPennyError } from '@penny/manifests';
import { Database } from '../src/database/database.service.ts';
import { generateCompanyData, type MonthlyFact } from '../src/datasources/company-data.ts';
import { DatasourceRegistry } from '../src/datasources/datasources.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';

const SEED = { seed: 7, months: 24, endMonth: '2026-11' };

type Row = Record<string, unknown>;
const records = (r: { columns: { name: string }[]; rows: unknown[][] }): Row[] =>
  r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
const sum = (facts: MonthlyFact[], key: keyof MonthlyFact) => facts.reduce((s, f) => s + Number(f[key]), 0);

describe('company datasource', () => {
  let k: TestKernel;
  let registry: DatasourceRegistry;
  let db: Database;
  const tenants: Record<string, string> = {};
  const query = (tenant: string, name: string, params?: Record<string, unknown> | unknown[]) =>
    registry.query(tenants[tenant]!, { datasource: 'company', query: name, params: params as never, extensionId: 'test.probe' });

  beforeAll(async () => {
    k = await startTestKernel();
    registry = k.kernel.container.get(DatasourceRegistry);
    db = k.kernel.container.get<Database>(Database);
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const slug of ['alpha', 'beta']) {
      tenants[slug] = (await admin.post('/v1/tenants', { slug, name: slug })).body.id;
      const seeded = await new Api(k.url, admin.token, slug).post('/v1/datasources/company/seed', {
        ...SEED,
        seed: slug === 'alpha' ? 7 : 8,
      });
      expect(seeded.status, JSON.stringify(seeded.body)).toBe(200);
      expect(seeded.body).toEqual({
        seeded: true,
        seed: slug === 'alpha' ? 7 : 8,
        businessUnits: 3,
        projects: 6,
        facts: 144,
        from: '2024-12',
        to: '2026-11',
      });
    }
    const [demo] = await db.query<{ id: string }>(`SELECT id FROM tenant WHERE slug = 'demo'`);
    tenants.demo = demo!.id;
  });
  afterAll(async () => k?.stop());

  it('stores exactly what the generator makes for the seed, and the same again on reseeding', async () => {
    const expected = generateCompanyData(SEED).facts;
    const stored = () =>
      db.tenant(tenants.alpha!, (em) =>
        em.execute<Row[]>(
          `SELECT project_id AS "projectId", to_char(month, 'YYYY-MM') AS month, revenue, costs, budget, headcount, hires, departures, pipeline, incidents
           FROM company_monthly_fact ORDER BY project_id, month`,
        ),
      );
    const first = await stored();
    const byKey = (f: Row | MonthlyFact) => `${String(f.projectId)}/${String(f.month)}`;
    expect(first.map(byKey)).toEqual(expected.map(byKey).sort());
    expect(new Map(first.map((f) => [byKey(f), f]))).toEqual(new Map(expected.map((f) => [byKey(f), { ...f }])));
    const again = await new Api(k.url, (await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD)).token, 'alpha').post(
      '/v1/datasources/company/seed',
      SEED,
    );
    expect(again.status).toBe(200);
    expect(await stored()).toEqual(first);
  });

  it('generates numbers that hang together', () => {
    const { facts, projects } = generateCompanyData(SEED);
    for (const project of projects) {
      const series = facts.filter((f) => f.projectId === project.id);
      expect(series).toHaveLength(24);
      for (let i = 1; i < series.length; i++)
        expect(series[i]!.headcount).toBe(series[i - 1]!.headcount + series[i]!.hires - series[i]!.departures);
      for (const f of series) {
        expect(Math.abs(f.revenue - f.budget) / f.budget).toBeLessThanOrEqual(0.08 + 1e-9);
        expect(Number.isInteger(f.incidents) && f.incidents >= 0 && f.incidents <= 5).toBe(true);
        expect(f.pipeline).toBeGreaterThan(f.revenue);
      }
    }
    // Costs stay under revenue in most months.
    expect(facts.filter((f) => f.costs < f.revenue).length / facts.length).toBeGreaterThan(0.8);
    expect(generateCompanyData(SEED)).toEqual(generateCompanyData(SEED));
    expect(generateCompanyData({ ...SEED, seed: 8 }).facts[0]!.revenue).not.toBe(facts[0]!.revenue);
  });

  it('answers KPIs whose periods nest and whose units add up to the company', async () => {
    const { facts, projects } = generateCompanyData(SEED);
    const ranges = { MTD: ['2026-11', '2026-11'], QTD: ['2026-10', '2026-11'], YTD: ['2026-01', '2026-11'] } as const;
    const revenue: Record<string, number> = {};
    for (const period of ['MTD', 'QTD', 'YTD'] as const) {
      const [company] = records(await query('alpha', 'kpis', { period, unit: 'company' }));
      const [from, to] = ranges[period];
      const inPeriod = facts.filter((f) => f.month >= from && f.month <= to);
      const last = facts.filter((f) => f.month === to);
      expect(company).toEqual({
        period,
        from,
        to,
        unit: 'company',
        id: 'company',
        name: 'Company',
        revenue: sum(inPeriod, 'revenue'),
        costs: sum(inPeriod, 'costs'),
        budget: sum(inPeriod, 'budget'),
        variance: sum(inPeriod, 'revenue') - sum(inPeriod, 'budget'),
        burn: sum(inPeriod, 'costs') - sum(inPeriod, 'revenue'),
        headcount: sum(last, 'headcount'),
        incidents: sum(inPeriod, 'incidents'),
        pipeline: sum(last, 'pipeline'),
        hires: sum(inPeriod, 'hires'),
      });
      revenue[period] = company!.revenue as number;
      // Business units and projects add up to the company.
      for (const unit of ['bu', 'project'] as const) {
        const parts = records(await query('alpha', 'kpis', { period, unit }));
        expect(parts).toHaveLength(unit === 'bu' ? 3 : projects.length);
        for (const key of ['revenue', 'costs', 'budget', 'burn', 'headcount', 'incidents', 'pipeline']) {
          expect(parts.reduce((s, p) => s + Number(p[key]), 0)).toBe(company![key]);
        }
      }
    }
    expect(revenue.MTD).toBeLessThan(revenue.QTD!);
    expect(revenue.QTD).toBeLessThan(revenue.YTD!);
    // One unit, and its months.
    const [cloud] = records(await query('alpha', 'kpis', { period: 'QTD', unit: 'bu', id: 'cloud' }));
    const cloudFacts = facts.filter((f) => ['atlas', 'nimbus'].includes(f.projectId) && f.month >= '2026-10');
    expect(cloud).toMatchObject({ id: 'cloud', name: 'Cloud Services', revenue: sum(cloudFacts, 'revenue') });
    const series = records(await query('alpha', 'timeseries', { metric: ['revenue', 'burn'], unit: 'bu', id: 'cloud', period: 'QTD' }));
    expect(series.map((s) => s.month)).toEqual(['2026-10', '2026-11']);
    expect(series.reduce((s, m) => s + Number(m.revenue), 0)).toBe(cloud!.revenue);
    expect(series.reduce((s, m) => s + Number(m.burn), 0)).toBe(cloud!.burn);
    const year = await query('alpha', 'timeseries', { metric: 'headcount', months: 12 });
    expect(year.columns.map((c) => c.name)).toEqual(['month', 'id', 'name', 'headcount']);
    expect(year.rows).toHaveLength(12);
    expect(year.rows.at(-1)).toEqual([
      '2026-11',
      'company',
      'Company',
      sum(
        facts.filter((f) => f.month === '2026-11'),
        'headcount',
      ),
    ]);
    const units = records(await query('alpha', 'units'));
    expect(units.filter((u) => u.kind === 'bu').map((u) => u.id)).toEqual(['cloud', 'consulting', 'devices']);
    expect(units.find((u) => u.id === 'atlas')).toEqual({ kind: 'project', id: 'atlas', name: 'Atlas Platform', businessUnitId: 'cloud' });
  });

  it('refuses unknown queries, bad parameters and unknown units with clear errors', async () => {
    const failure = async (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );
    const cases: [string, Promise<unknown>, string, RegExp][] = [
      [
        'unknown datasource',
        registry.query(tenants.alpha!, { datasource: 'finance', query: 'kpis', extensionId: 'test.probe' }),
        'NotFound',
        /no datasource named "finance"; known: company/,
      ],
      ['unknown query', query('alpha', 'drop_tables', {}), 'NotFound', /no query "drop_tables"; its queries are kpis, timeseries, units/],
      ['SQL in place of a name', query('alpha', 'select * from company_monthly_fact', {}), 'NotFound', /no query/],
      [
        'bad period',
        query('alpha', 'kpis', { period: 'WTD' }),
        'InvalidArguments',
        /params\.period must be equal to one of the allowed values \(MTD, QTD, YTD\)/,
      ],
      ['unknown member', query('alpha', 'kpis', { period: 'MTD', sql: '1' }), 'InvalidArguments', /unknown member "sql"/],
      ['positional parameters', query('alpha', 'kpis', ['MTD']), 'InvalidArguments', /named parameters/],
      [
        'months and period',
        query('alpha', 'timeseries', { metric: 'revenue', months: 3, period: 'QTD' }),
        'InvalidArguments',
        /invalid parameters/,
      ],
      ['company with an id', query('alpha', 'kpis', { period: 'MTD', unit: 'company', id: 'cloud' }), 'InvalidArguments', /takes no id/],
      [
        'unknown unit',
        query('alpha', 'kpis', { period: 'MTD', unit: 'bu', id: 'mars' }),
        'NotFound',
        /no business unit "mars"; known: cloud, consulting, devices/,
      ],
    ];
    for (const [label, promise, code, message] of cases) {
      const error = await failure(promise);
      expect(isPennyError(error, code as never), `${label}: ${String(error)}`).toBe(true);
      expect((error as Error).message, label).toMatch(message);
    }
  });

  it('keeps each tenant to its own rows, in queries and in the tables themselves', async () => {
    const [alpha] = records(await query('alpha', 'kpis', { period: 'YTD' }));
    const [beta] = records(await query('beta', 'kpis', { period: 'YTD' }));
    expect(alpha!.revenue).not.toBe(beta!.revenue);
    const betaFacts = generateCompanyData({ ...SEED, seed: 8 }).facts.filter((f) => f.month >= '2026-01');
    expect(beta!.revenue).toBe(sum(betaFacts, 'revenue'));
    for (const table of ['company_business_unit', 'company_project', 'company_monthly_fact']) {
      const owners = await db.tenant(tenants.alpha!, (em) =>
        em.execute<{ tenant_id: string }[]>(`SELECT DISTINCT tenant_id FROM ${table}`),
      );
      expect(
        owners.map((o) => o.tenant_id),
        table,
      ).toEqual([tenants.alpha]);
    }
    // Writing into another tenant is refused by the policy.
    await expect(
      db.tenant(tenants.alpha!, (em) =>
        em.execute(`INSERT INTO company_business_unit (tenant_id, id, name) VALUES (?, 'pwned', 'x')`, [tenants.beta]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('audits every query with a hash of its parameters', async () => {
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'beta');
    const before = (await admin.get('/v1/audit?action=datasource.queried')).body.items.length;
    await query('beta', 'kpis', { period: 'MTD' });
    const items = (await admin.get('/v1/audit?action=datasource.queried')).body.items;
    expect(items).toHaveLength(before + 1);
    expect(items[0]).toMatchObject({ actor: 'extension:test.probe', target: 'datasource:company/kpis', outcome: 'success' });
    expect(items[0].payloadHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await admin.get('/v1/audit?action=datasource.seeded')).body.items[0]).toMatchObject({ target: 'datasource:company' });
  });

  it('gives the demo tenant its data on first start, once', async () => {
    const [company] = records(await query('demo', 'kpis', { period: 'MTD' }));
    expect(company!.revenue).toBeGreaterThan(0);
    const rows = await db.tenant(tenants.demo!, (em) => em.execute<{ n: number }[]>(`SELECT count(*)::int AS n FROM company_monthly_fact`));
    expect(rows[0]!.n).toBe(144);
    // The built-in extensions reach the demo tenant through the marketplace with the grant they declare.
    const demo = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    const res = await demo.post('/v1/tools/get_company_kpis/invoke', { arguments: { period: 'MTD' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.content.kpis[0].revenue).toBe(company!.revenue);
  });

  it('lists datasources for admins deciding on grants, and lets only admins seed', async () => {
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'alpha');
    const list = await admin.get('/v1/datasources');
    expect(list.status).toBe(200);
    expect(list.body.map((d: { name: string }) => d.name)).toEqual(['company']);
    expect(list.body[0].queries.map((q: { name: string }) => q.name)).toEqual(['kpis', 'timeseries', 'units']);
    const token = await admin.post('/v1/tokens', { name: 'creator', roles: ['creator'] });
    const creator = new Api(k.url, token.body.token);
    expect((await creator.post('/v1/datasources/company/seed', {})).status).toBe(403);
    const bad = await admin.post('/v1/datasources/company/seed', { months: 0, sql: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });
});
