// The built-in tools over the company datasource, invoked over HTTP in real isolates:
// get_company_kpis answers a table and a Vega-Lite chart that agree with each other and with the
// tenant's own data; load_dashboard fills Company Health; grants and arguments are enforced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { generateCompanyData } from '../src/datasources/company-data.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';
import { installDirectly, repoRoot } from './extension-fixtures.ts';

const COMPANY_KPIS = path.join(repoRoot, 'extensions/company-kpis');
const DASHBOARDS = path.join(repoRoot, 'extensions/dashboards');
const SEED = { months: 24, endMonth: '2026-11' };
const TABLE_MIME = 'application/vnd.penny.table+json';
const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

type Row = Record<string, unknown>;
interface Artifact {
  mimeType: string;
  title: string;
  data: any;
}
const tableRecords = (t: { columns: { name: string }[]; rows: unknown[][] }): Row[] =>
  t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]])));

describe('company tools', () => {
  let k: TestKernel;
  const api: Record<string, Api> = {};

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false } });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const [slug, seed] of [
      ['north', 11],
      ['south', 12],
      ['ungranted', 13],
      ['unseeded', 0],
    ] as const) {
      const id = (await admin.post('/v1/tenants', { slug, name: slug })).body.id as string;
      api[slug] = new Api(k.url, admin.token, slug);
      if (seed) expect((await api[slug].post('/v1/datasources/company/seed', { ...SEED, seed })).status).toBe(200);
      await installDirectly(k.kernel, id, COMPANY_KPIS, slug === 'ungranted' ? { datasources: [] } : undefined);
      if (slug === 'north') await installDirectly(k.kernel, id, DASHBOARDS);
    }
  });
  afterAll(async () => k?.stop());

  const invoke = (tenant: string, tool: string, args: Record<string, unknown>) =>
    api[tenant]!.post(`/v1/tools/${tool}/invoke`, { arguments: args });

  it('returns a table and a Vega-Lite chart whose data matches it, from the tenant’s own facts', async () => {
    const res = await invoke('north', 'get_company_kpis', { period: 'QTD', unit: 'company' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [table, chart] = res.body.artifacts as Artifact[];
    expect(table!.mimeType).toBe(TABLE_MIME);
    expect(table!.title).toBe('Company, QTD (2026-10 to 2026-11)');
    const [company] = tableRecords(table!.data);
    const facts = generateCompanyData({ ...SEED, seed: 11 }).facts.filter((f) => f.month >= '2026-10');
    const revenue = facts.reduce((s, f) => s + f.revenue, 0);
    const costs = facts.reduce((s, f) => s + f.costs, 0);
    expect(company).toMatchObject({ id: 'company', name: 'Company', revenue, costs, burn: costs - revenue });
    expect(table!.data.columns.map((c: { name: string }) => c.name)).toEqual([
      'id',
      'name',
      'revenue',
      'costs',
      'budget',
      'variance',
      'burn',
      'headcount',
      'incidents',
      'pipeline',
      'hires',
    ]);

    expect(chart!.mimeType).toBe(VEGA_LITE_MIME);
    const spec = chart!.data;
    expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
    expect(spec.mark.type).toBe('bar');
    expect(spec.encoding).toMatchObject({
      x: { field: 'month' },
      y: { field: 'value', type: 'quantitative' },
      color: { field: 'measure' },
    });
    const values = spec.data.values as { month: string; measure: string; value: number }[];
    expect([...new Set(values.map((v) => v.month))]).toEqual(['2026-10', '2026-11']);
    for (const measure of ['revenue', 'budget']) {
      expect(values.filter((v) => v.measure === measure).reduce((s, v) => s + v.value, 0)).toBe(company![measure]);
    }
    // The summary quotes the table's numbers.
    expect(res.body.content.summary).toContain(`revenue ${revenue.toLocaleString('en-US')}`);
    expect(res.body.content).toMatchObject({ period: 'QTD', unit: 'company', from: '2026-10', to: '2026-11', kpis: [{ revenue }] });
  });

  it('charts revenue against budget per unit when several units are listed', async () => {
    const res = await invoke('north', 'get_company_kpis', { period: 'YTD', unit: 'bu' });
    expect(res.status).toBe(200);
    const [table, chart] = res.body.artifacts as Artifact[];
    const rows = tableRecords(table!.data);
    expect(rows.map((r) => r.id)).toEqual(['cloud', 'consulting', 'devices']);
    const values = chart!.data.data.values as { unit: string; measure: string; value: number }[];
    expect(chart!.data.encoding.x.field).toBe('unit');
    for (const row of rows) {
      expect(values.find((v) => v.unit === row.name && v.measure === 'revenue')!.value).toBe(row.revenue);
      expect(values.find((v) => v.unit === row.name && v.measure === 'budget')!.value).toBe(row.budget);
    }
    const one = await invoke('north', 'get_company_kpis', { period: 'MTD', unit: 'project', id: 'atlas' });
    expect(tableRecords(one.body.artifacts[0].data)).toMatchObject([{ id: 'atlas', name: 'Atlas Platform' }]);
  });

  it('sees only its own tenant’s data', async () => {
    const north = await invoke('north', 'get_company_kpis', { period: 'YTD' });
    const south = await invoke('south', 'get_company_kpis', { period: 'YTD' });
    const southFacts = generateCompanyData({ ...SEED, seed: 12 }).facts.filter((f) => f.month >= '2026-01');
    expect(south.body.content.kpis[0].revenue).toBe(southFacts.reduce((s, f) => s + f.revenue, 0));
    expect(north.body.content.kpis[0].revenue).not.toBe(south.body.content.kpis[0].revenue);
  });

  it('refuses an extension whose datasource was not granted, and says when there is no data', async () => {
    const refused = await invoke('ungranted', 'get_company_kpis', { period: 'QTD' });
    expect(refused.status).toBe(502);
    expect(refused.body.detail).toMatch(/datasource "company" is not granted to penny\.company-kpis/);
    const empty = await invoke('unseeded', 'get_company_kpis', { period: 'QTD' });
    expect(empty.status).toBe(502);
    expect(empty.body.detail).toMatch(/company dataset of this tenant is empty/);
    const unknown = await invoke('north', 'get_company_kpis', { period: 'QTD', unit: 'bu', id: 'mars' });
    expect(unknown.status).toBe(502);
    expect(unknown.body.detail).toMatch(/no business unit "mars"/);
  });

  it('answers invalid arguments with 400 before anything runs', async () => {
    for (const args of [
      { period: 'WTD' },
      { period: 'QTD', unit: 'galaxy' },
      { unit: 'company' },
      { period: 'QTD', sql: 'select 1' },
      { period: 'QTD', id: 'DROP TABLE' },
    ]) {
      const res = await invoke('north', 'get_company_kpis', args);
      expect(res.status, JSON.stringify(args)).toBe(400);
      expect(res.body.code).toBe('validation');
    }
    expect((await invoke('north', 'load_dashboard', { slug: 'nope' })).status).toBe(400);
    expect((await invoke('north', 'load_dashboard', { slug: 'company-health', filters: { colour: 'red' } })).status).toBe(400);
  });

  it('loads the Company Health dashboard with its four widgets where the manifest places them', async () => {
    const res = await invoke('north', 'load_dashboard', { slug: 'company-health', filters: { period: 'YTD', months: 6 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [artifact] = res.body.artifacts as Artifact[];
    expect(artifact!.mimeType).toBe('application/vnd.penny.dashboard+json');
    const dashboard = artifact!.data;
    expect(dashboard).toMatchObject({
      slug: 'company-health',
      title: 'Company Health',
      filters: { period: 'YTD', months: 6, unit: 'company' },
    });
    const manifest = JSON.parse(await fs.readFile(path.join(DASHBOARDS, 'manifest.json'), 'utf8'));
    const placements = manifest.contributes.dashboards[0].widgets as { widget: string; x: number; y: number; w: number; h: number }[];
    expect(dashboard.widgets.map((w: { id: string; layout: unknown }) => ({ widget: w.id, ...(w.layout as object) }))).toEqual(placements);
    const byId = Object.fromEntries(dashboard.widgets.map((w: { id: string }) => [w.id, w]));
    for (const id of ['revenue-vs-budget', 'burn', 'headcount']) {
      expect(byId[id].mimeType).toBe(VEGA_LITE_MIME);
      expect(byId[id].data.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
    }
    const facts = generateCompanyData({ ...SEED, seed: 11 }).facts;
    const months = ['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'];
    const burn = byId.burn.data.data.values as { month: string; burn: number }[];
    expect(burn.map((b) => b.month)).toEqual(months);
    const nov = facts.filter((f) => f.month === '2026-11');
    expect(burn.at(-1)!.burn).toBe(nov.reduce((s, f) => s + f.costs - f.revenue, 0));
    expect(byId.headcount.data.data.values.at(-1).headcount).toBe(nov.reduce((s, f) => s + f.headcount, 0));
    expect(byId['revenue-vs-budget'].data.data.values).toHaveLength(12);
    expect(byId.incidents.mimeType).toBe(TABLE_MIME);
    const incidents = tableRecords(byId.incidents.data);
    expect(incidents.map((r) => r.id)).toEqual(['cloud', 'consulting', 'devices']);
    const ytd = facts.filter((f) => f.month >= '2026-01');
    expect(incidents.reduce((s, r) => s + Number(r.incidents), 0)).toBe(ytd.reduce((s, f) => s + f.incidents, 0));
    expect(res.body.content.widgets).toEqual(['revenue-vs-budget', 'burn', 'headcount', 'incidents']);
    // The dashboard and its widgets are known from the manifest alone.
    const contributions = (await api.north!.get('/v1/contributions')).body;
    expect(contributions.dashboards.map((d: { slug: string }) => d.slug)).toEqual(['company-health']);
    expect(contributions.widgets.map((w: { id: string }) => w.id)).toEqual(['revenue-vs-budget', 'burn', 'headcount', 'incidents']);
  });
});
