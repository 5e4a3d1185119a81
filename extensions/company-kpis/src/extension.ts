// get_company_kpis: KPIs of a period from the kernel's `company` datasource, answered as a table, a
// Vega-Lite chart of revenue against budget, and a summary sentence the model can quote.
import type { DatasourceResult, JsonValue, PennyApi } from '@penny/manifests';

const TABLE_MIME = 'application/vnd.penny.table+json';
const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const DATASOURCE = 'company';
const TABLE_COLUMNS = ['id', 'name', 'revenue', 'costs', 'budget', 'variance', 'burn', 'headcount', 'incidents', 'pipeline', 'hires'];

type Row = Record<string, JsonValue>;

function records(result: DatasourceResult): Row[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i] ?? null])));
}

/** Thousands separators without Intl, whose presence in an isolate is not a given. */
function formatNumber(value: number): string {
  const sign = value < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(value))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const signed = (value: number) => (value > 0 ? `+${formatNumber(value)}` : formatNumber(value));
const num = (row: Row, key: string) => Number(row[key] ?? 0);

function percentTenths(value: number): string {
  return `${value > 0 ? '+' : ''}${value.toFixed(1)}%`;
}

function describe(row: Row): string {
  const budget = num(row, 'budget');
  const share = budget ? `, ${percentTenths((num(row, 'variance') / budget) * 100)}` : '';
  return (
    `${String(row.name)}: revenue ${formatNumber(num(row, 'revenue'))} against a budget of ${formatNumber(budget)}` +
    ` (variance ${signed(num(row, 'variance'))}${share}), costs ${formatNumber(num(row, 'costs'))}, burn ${formatNumber(num(row, 'burn'))},` +
    ` headcount ${formatNumber(num(row, 'headcount'))}, incidents ${formatNumber(num(row, 'incidents'))}, pipeline ${formatNumber(num(row, 'pipeline'))}`
  );
}

/** Grouped bars of revenue and budget along `axis` (month or unit), data inlined. */
function revenueVsBudgetSpec(title: string, axis: { field: string; title: string }, values: Row[]): JsonValue {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    width: 'container',
    height: 240,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: axis.field, type: 'ordinal', title: axis.title, sort: null },
      xOffset: { field: 'measure', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: 'Amount' },
      color: { field: 'measure', type: 'nominal', title: null, scale: { domain: ['revenue', 'budget'], range: ['#2563eb', '#94a3b8'] } },
    },
  } as unknown as JsonValue;
}

export function activate(penny: PennyApi): void {
  penny.tools.register('get_company_kpis', async (args) => {
    const period = String(args.period);
    const unit = typeof args.unit === 'string' ? args.unit : 'company';
    const id = typeof args.id === 'string' ? args.id : undefined;
    const kpis = records(await penny.datasources.query(DATASOURCE, 'kpis', { period, unit, ...(id ? { id } : {}) }));
    if (!kpis.length)
      return {
        content: {
          summary: `There is no ${unit === 'bu' ? 'business unit' : unit} data for ${period}.`,
          period,
          unit,
          kpis: [],
        } as JsonValue,
      };
    const { from, to } = kpis[0]! as { from: string; to: string };
    const span = from === to ? from : `${from} to ${to}`;
    const unitLabel = unit === 'company' ? 'Company' : unit === 'bu' ? 'Business unit' : 'Project';
    const title = `${kpis.length === 1 ? String(kpis[0]!.name) : `${unitLabel} KPIs`}, ${period} (${span})`;

    let chart: JsonValue;
    if (kpis.length === 1) {
      // One unit: its months, so the chart shows the trend inside the period.
      const only = kpis[0]!;
      const scope: Record<string, JsonValue> = unit === 'company' ? { unit } : { unit, id: String(only.id) };
      const series = records(await penny.datasources.query(DATASOURCE, 'timeseries', { metric: ['revenue', 'budget'], period, ...scope }));
      const values = series.flatMap((m) => [
        { month: m.month ?? null, measure: 'revenue', value: m.revenue ?? null },
        { month: m.month ?? null, measure: 'budget', value: m.budget ?? null },
      ]);
      chart = revenueVsBudgetSpec(`Revenue vs budget by month, ${title}`, { field: 'month', title: 'Month' }, values);
    } else {
      const values = kpis.flatMap((k) => [
        { unit: k.name ?? null, measure: 'revenue', value: k.revenue ?? null },
        { unit: k.name ?? null, measure: 'budget', value: k.budget ?? null },
      ]);
      chart = revenueVsBudgetSpec(
        `Revenue vs budget by ${unit === 'bu' ? 'business unit' : 'project'}, ${period} (${span})`,
        { field: 'unit', title: unitLabel },
        values,
      );
    }

    const table = {
      columns: TABLE_COLUMNS.map((name) => ({ name, type: name === 'id' || name === 'name' ? 'string' : 'number' })),
      rows: kpis.map((k) => TABLE_COLUMNS.map((c) => k[c] ?? null)),
    };
    const summary = `${period} ${span}. ${kpis.map(describe).join('; ')}.`;
    const variance = kpis.reduce((s, k) => s + num(k, 'variance'), 0);
    const budget = kpis.reduce((s, k) => s + num(k, 'budget'), 0);
    const content: JsonValue = {
      summary,
      period,
      unit,
      from,
      to,
      varianceVsBudget: budget ? percentTenths((variance / budget) * 100) : null,
      kpis: kpis.map((k) => Object.fromEntries(TABLE_COLUMNS.map((c) => [c, k[c] ?? null]))),
    };
    return {
      content,
      artifacts: [
        { mimeType: TABLE_MIME, title, data: table as unknown as JsonValue },
        { mimeType: VEGA_LITE_MIME, title: `Revenue vs budget, ${title}`, data: chart },
      ],
    };
  });
}
