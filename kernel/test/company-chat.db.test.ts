// Ask, act, see with the company data: a question about KPIs streams back over SSE as a call to
// get_company_kpis, a table and a chart artifact, and an answer that quotes the table's numbers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, readSse, startTestKernel, type SseEvent, type TestKernel } from './harness.ts';
import { installDirectly, repoRoot } from './extension-fixtures.ts';

const KPI_LLM = path.join(import.meta.dirname, 'fixtures/kpi-llm');
const COMPANY_KPIS = path.join(repoRoot, 'extensions/company-kpis');

describe('chat about company KPIs', () => {
  let k: TestKernel;
  let api: Api;

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false } });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await admin.post('/v1/tenants', { slug: 'kpi-chat', name: 'KPI Chat' });
    api = new Api(k.url, admin.token, 'kpi-chat');
    expect((await api.post('/v1/datasources/company/seed', { seed: 21, months: 24, endMonth: '2026-11' })).status).toBe(200);
    await installDirectly(k.kernel, tenant.body.id, KPI_LLM);
    await installDirectly(k.kernel, tenant.body.id, COMPANY_KPIS);
  });
  afterAll(async () => k?.stop());

  it('calls get_company_kpis, streams the table and chart, and answers with their numbers', async () => {
    const conversation = (await api.post('/v1/conversations', {})).body;
    const res = await fetch(`${k.url}/v1/chat/${conversation.id}/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.token}`,
        'x-penny-tenant': 'kpi-chat',
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ content: 'How are our KPIs this quarter?' }),
    });
    expect(res.status).toBe(200);
    const events: SseEvent[] = [];
    await readSse(res, (e) => void events.push(e));
    const types = events.map((e) => e.event);
    expect(types.at(-1), JSON.stringify(events.at(-1))).toBe('message.completed');

    const requested = events.find((e) => e.event === 'toolCall.requested')!.data.data;
    expect(requested.name).toBe('get_company_kpis');
    expect(JSON.parse(requested.arguments)).toEqual({ period: 'QTD', unit: 'company' });
    const artifacts = events.filter((e) => e.event === 'artifact.created').map((e) => e.data.data);
    expect(artifacts.map((a) => a.mimeType)).toEqual(['application/vnd.penny.table+json', 'application/vnd.vegalite.v5+json']);
    expect(types.indexOf('toolCall.requested')).toBeLessThan(types.indexOf('artifact.created'));
    expect(types.lastIndexOf('artifact.created')).toBeLessThan(types.indexOf('message.completed'));
    for (const a of artifacts) expect(a.lineage).toMatchObject({ tool: 'get_company_kpis', conversationId: conversation.id });

    const table = (await api.get(`/v1/artifacts/${artifacts[0].artifactId}/content`)).body;
    const row = Object.fromEntries(table.columns.map((c: { name: string }, i: number) => [c.name, table.rows[0][i]]));
    const chart = (await api.get(`/v1/artifacts/${artifacts[1].artifactId}/content`)).body;
    expect(chart.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
    const chartRevenue = chart.data.values
      .filter((v: { measure: string }) => v.measure === 'revenue')
      .reduce((s: number, v: { value: number }) => s + v.value, 0);
    expect(chartRevenue).toBe(row.revenue);

    const answer = events.at(-1)!.data.data.content as string;
    expect(answer).toMatch(/^Here are the KPIs\. QTD 2026-10 to 2026-11\. Company: revenue /);
    for (const key of ['revenue', 'budget', 'costs', 'headcount'])
      expect(answer).toContain(`${key === 'budget' ? 'a budget of' : key} ${Number(row[key]).toLocaleString('en-US')}`);
    const streamed = events
      .filter((e) => e.event === 'message.delta')
      .map((e) => e.data.data.delta)
      .join('');
    expect(streamed).toContain(answer);
  });
});
