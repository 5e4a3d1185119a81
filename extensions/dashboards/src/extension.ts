// load_dashboard: fills a dashboard's widgets from the `company` datasource and returns them as one
// dashboard artifact, each widget an inline Vega-Lite spec or table with its place on the grid.
import type { DatasourceResult, JsonValue, PennyApi } from '@penny/manifests';

const DASHBOARD_MIME = 'application/vnd.penny.dashboard+json';
const TABLE_MIME = 'application/vnd.penny.table+json';
const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const DATASOURCE = 'company';

type Row = Record<string, JsonValue>;
interface Layout {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Filters {
  period: string;
  months: number;
  unit: string;
  id?: string;
}
interface Widget {
  id: string;
  title: string;
  mimeType: string;
  data: JsonValue;
  layout: Layout;
}

// Mirrors contributes.dashboards in the manifest, which code cannot read; a test keeps the two equal.
const COMPANY_HEALTH_LAYOUT: Record<string, Layout> = {
  'revenue-vs-budget': { x: 0, y: 0, w: 6, h: 4 },
  burn: { x: 6, y: 0, w: 6, h: 4 },
  headcount: { x: 0, y: 4, w: 6, h: 4 },
  incidents: { x: 6, y: 4, w: 6, h: 4 },
};

function records(result: DatasourceResult): Row[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i] ?? null])));
}

function vegaLite(title: string, values: Row[], rest: Record<string, unknown>): JsonValue {
  return { $schema: VEGA_LITE_SCHEMA, title, width: 'container', height: 200, data: { values }, ...rest } as unknown as JsonValue;
}

const monthAxis = { field: 'month', type: 'ordinal', title: 'Month', sort: null };

async function companyHealth(penny: PennyApi, filters: Filters): Promise<{ widgets: Widget[]; summary: string }> {
  const scope = filters.unit === 'company' ? { unit: 'company' } : { unit: filters.unit, ...(filters.id ? { id: filters.id } : {}) };
  // One series query feeds the three charts; a unit without an id is charted as its whole set.
  const seriesScope = filters.unit !== 'company' && !filters.id ? { unit: 'company' } : scope;
  const series = records(
    await penny.datasources.query(DATASOURCE, 'timeseries', {
      metric: ['revenue', 'budget', 'burn', 'headcount', 'hires'],
      months: filters.months,
      ...seriesScope,
    }),
  );
  const tableUnit = filters.unit === 'company' ? { unit: 'bu' } : scope;
  const incidents = await penny.datasources.query(DATASOURCE, 'kpis', { period: filters.period, ...tableUnit });
  const incidentRows = records(incidents);

  const revenueValues = series.flatMap((m) => [
    { month: m.month ?? null, measure: 'revenue', value: m.revenue ?? null },
    { month: m.month ?? null, measure: 'budget', value: m.budget ?? null },
  ]);
  const widgets: Widget[] = [
    {
      id: 'revenue-vs-budget',
      title: 'Revenue vs budget',
      mimeType: VEGA_LITE_MIME,
      data: vegaLite('Revenue vs budget', revenueValues, {
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: monthAxis,
          y: { field: 'value', type: 'quantitative', title: 'Amount' },
          color: {
            field: 'measure',
            type: 'nominal',
            title: null,
            scale: { domain: ['revenue', 'budget'], range: ['#2563eb', '#94a3b8'] },
          },
          strokeDash: {
            field: 'measure',
            type: 'nominal',
            legend: null,
            scale: {
              domain: ['revenue', 'budget'],
              range: [
                [1, 0],
                [4, 3],
              ],
            },
          },
        },
      }),
      layout: COMPANY_HEALTH_LAYOUT['revenue-vs-budget']!,
    },
    {
      id: 'burn',
      title: 'Burn',
      mimeType: VEGA_LITE_MIME,
      data: vegaLite(
        'Burn (costs − revenue)',
        series.map((m) => ({ month: m.month ?? null, burn: m.burn ?? null })),
        {
          mark: { type: 'bar', tooltip: true },
          encoding: {
            x: monthAxis,
            y: { field: 'burn', type: 'quantitative', title: 'Burn' },
            // Positive burn means the month cost more than it earned.
            color: { condition: { test: 'datum.burn > 0', value: '#dc2626' }, value: '#16a34a' },
          },
        },
      ),
      layout: COMPANY_HEALTH_LAYOUT.burn!,
    },
    {
      id: 'headcount',
      title: 'Headcount',
      mimeType: VEGA_LITE_MIME,
      data: vegaLite(
        'Headcount',
        series.map((m) => ({ month: m.month ?? null, headcount: m.headcount ?? null, hires: m.hires ?? null })),
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: monthAxis,
            y: { field: 'headcount', type: 'quantitative', title: 'People', scale: { zero: false } },
            tooltip: [{ field: 'month' }, { field: 'headcount', type: 'quantitative' }, { field: 'hires', type: 'quantitative' }],
          },
        },
      ),
      layout: COMPANY_HEALTH_LAYOUT.headcount!,
    },
    {
      id: 'incidents',
      title: `Incidents, ${filters.period}`,
      mimeType: TABLE_MIME,
      data: {
        columns: [
          { name: 'id', type: 'string' },
          { name: 'name', type: 'string' },
          { name: 'incidents', type: 'number' },
          { name: 'headcount', type: 'number' },
        ],
        rows: incidentRows.map((r) => [r.id ?? null, r.name ?? null, r.incidents ?? null, r.headcount ?? null]),
      },
      layout: COMPANY_HEALTH_LAYOUT.incidents!,
    },
  ];
  const last = series[series.length - 1];
  const total = (key: string) => series.reduce((s, m) => s + Number(m[key] ?? 0), 0);
  const summary = last
    ? `Company Health, ${series.length} months to ${String(last.month)}: revenue ${total('revenue')} against a budget of ${total('budget')}, burn ${total('burn')}, ` +
      `headcount ${String(last.headcount)}, incidents ${incidentRows.reduce((s, r) => s + Number(r.incidents ?? 0), 0)} (${filters.period}).`
    : 'Company Health: no data yet.';
  return { widgets, summary };
}

export function activate(penny: PennyApi): void {
  penny.tools.register('load_dashboard', async (args) => {
    const given = (args.filters ?? {}) as Partial<Filters>;
    const filters: Filters = {
      period: given.period ?? 'QTD',
      months: given.months ?? 12,
      unit: given.unit ?? 'company',
      ...(given.id ? { id: given.id } : {}),
    };
    // The schema admits only known slugs; this guards a manifest and code that drifted apart.
    if (args.slug !== 'company-health') throw new Error(`no dashboard "${String(args.slug)}"`);
    const { widgets, summary } = await companyHealth(penny, filters);
    const dashboard = { slug: 'company-health', title: 'Company Health', filters, widgets };
    return {
      content: {
        summary,
        slug: dashboard.slug,
        title: dashboard.title,
        filters: filters as unknown as JsonValue,
        widgets: widgets.map((w) => w.id),
      },
      artifacts: [{ mimeType: DASHBOARD_MIME, title: 'Company Health', data: dashboard as unknown as JsonValue }],
    };
  });
}
