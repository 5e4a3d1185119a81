// Ask, act, see over HTTP: a question streams back as Server-Sent Events, the model calls a tool,
// the tool's table becomes an artifact, the answer completes; bad tool arguments go back to the
// model; a client that drops the stream resumes without losing or repeating anything; cancel stops
// the answer; branches, forks and exports work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Database } from '../src/database/database.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, readSse, startTestKernel, type SseEvent, type TestKernel } from './harness.ts';
import { installDirectly, repoRoot } from './extension-fixtures.ts';

const SCRIPTED = path.join(import.meta.dirname, 'fixtures/scripted-llm');
const ECHO_TABLE = path.join(repoRoot, 'extensions/echo-table');

describe('chat', () => {
  let k: TestKernel;
  let api: Api;
  let bare: Api;

  beforeAll(async () => {
    k = await startTestKernel({ config: { demoTenant: false } });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await admin.post('/v1/tenants', { slug: 'chat', name: 'Chat Co' });
    await admin.post('/v1/tenants', { slug: 'bare', name: 'No providers' });
    api = new Api(k.url, admin.token, 'chat');
    bare = new Api(k.url, admin.token, 'bare');
    await installDirectly(k.kernel, tenant.body.id, SCRIPTED);
    await installDirectly(k.kernel, tenant.body.id, ECHO_TABLE);
  });
  afterAll(async () => k?.stop());

  async function ask(conversationId: string, body: Record<string, unknown>): Promise<SseEvent[]> {
    const res = await fetch(`${k.url}/v1/chat/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'chat', 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
    });
    expect(res.status, await (res.status === 200 ? Promise.resolve('') : res.clone().text())).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events: SseEvent[] = [];
    await readSse(res, (e) => void events.push(e));
    return events;
  }

  it('says clearly how to configure a provider when there is none', async () => {
    const c = (await bare.post('/v1/conversations', { title: 'empty' })).body;
    const res = await bare.post(`/v1/chat/${c.id}/messages`, { content: 'hello' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/No model provider is configured.*OPENAI_API_KEY/);
  });

  it('streams an answer that calls a tool and produces a table artifact', async () => {
    const c = (await api.post('/v1/conversations', {})).body;
    const events = await ask(c.id, { content: 'show me a table of revenue', artifactsExpected: ['application/vnd.penny.table+json'] });
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('message.started');
    expect(events[0]!.data.data).toMatchObject({ provider: 'scripted', model: 'scripted-1' });
    for (const t of ['toolCall.requested', 'toolCall.started', 'artifact.created', 'toolCall.finished']) expect(types).toContain(t);
    expect(types.indexOf('toolCall.requested')).toBeLessThan(types.indexOf('artifact.created'));
    expect(types.at(-1)).toBe('message.completed');
    // Sequence numbers are contiguous.
    const seqs = events.map((e) => e.id!);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const requested = events.find((e) => e.event === 'toolCall.requested')!.data.data;
    expect(JSON.parse(requested.arguments)).toMatchObject({ title: 'KPIs', columns: ['unit', 'revenue'] });
    const final = events.at(-1)!.data.data;
    expect(final.content).toBe('The table has 2 rows.');

    const artifact = events.find((e) => e.event === 'artifact.created')!.data.data;
    expect(artifact).toMatchObject({ mimeType: 'application/vnd.penny.table+json', title: 'KPIs', version: 1, lineage: { tool: 'echo_table', conversationId: c.id } });
    const content = await api.get(`/v1/artifacts/${artifact.artifactId}/content`);
    expect(content.body).toEqual({ columns: [{ name: 'unit' }, { name: 'revenue' }], rows: [['north', 10], ['south', 20]] });
    const link = await api.post(`/v1/artifacts/${artifact.artifactId}/content-url`);
    const viaLink = await fetch(`${k.url}${link.body.url}`);
    expect(viaLink.status).toBe(200);
    expect(viaLink.headers.get('content-security-policy')).toContain('sandbox');

    const detail = (await api.get(`/v1/conversations/${c.id}`)).body;
    expect(detail.path.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(detail.path[1].toolCalls[0]).toMatchObject({ id: 'call-1', name: 'echo_table' });
    expect(detail.path[3]).toMatchObject({ content: 'The table has 2 rows.', status: 'complete', provider: 'scripted' });
    expect(detail.title).toBe('show me a table of revenue');

    const db = k.kernel.container.get<Database>(Database);
    const runs = await db.query<{ kind: string; outcome: string; tokens_out: number }>(`SELECT kind, outcome, tokens_out FROM run WHERE conversation_id = ? ORDER BY started_at`, [c.id]);
    expect(runs.map((r) => `${r.kind}:${r.outcome}`)).toEqual(['model:success', 'tool:success', 'model:success']);
    const audit = await api.get('/v1/audit?action=model.selected');
    expect(audit.body.items[0].target).toBe(`conversation:${c.id}`);
  });

  it('hands invalid tool arguments back to the model instead of failing', async () => {
    const c = (await api.post('/v1/conversations', {})).body;
    const events = await ask(c.id, { content: 'a bad table please' });
    const finished = events.find((e) => e.event === 'toolCall.finished')!.data.data;
    expect(finished.ok).toBe(false);
    expect(finished.error).toMatch(/arguments\.columns/);
    expect(events.at(-1)!.event).toBe('message.completed');
    expect(events.at(-1)!.data.data.content).toMatch(/^I could not build the table/);
  });

  it('resumes a dropped stream from the last event seen, losing and repeating nothing', async () => {
    const c = (await api.post('/v1/conversations', {})).body;
    const started = await api.request('POST', `/v1/chat/${c.id}/messages`, { content: 'slow please' }, { accept: 'application/json' });
    expect(started.status).toBe(202);
    const headers = { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'chat', accept: 'text/event-stream' };
    const first: SseEvent[] = [];
    await readSse(await fetch(`${k.url}/v1/chat/${c.id}/events?after=${started.body.afterSeq}`, { headers }), (e) => {
      first.push(e);
      return first.filter((x) => x.event === 'message.delta').length < 3;
    });
    const lastSeen = first.at(-1)!.id!;
    await new Promise((r) => setTimeout(r, 300));
    const rest: SseEvent[] = [];
    await readSse(await fetch(`${k.url}/v1/chat/${c.id}/events`, { headers: { ...headers, 'last-event-id': String(lastSeen) } }), (e) => void rest.push(e));
    const all = [...first, ...rest];
    const seqs = all.map((e) => e.id!);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const text = all.filter((e) => e.event === 'message.delta').map((e) => e.data.data.delta).join('');
    expect(text).toBe('one two three four five six seven eight nine ten eleven twelve');
    expect(rest.at(-1)!.event).toBe('message.completed');
    // After the answer finished, a late reconnect gets the whole turn again.
    const late: SseEvent[] = [];
    await readSse(await fetch(`${k.url}/v1/chat/${c.id}/events?after=${started.body.afterSeq}`, { headers }), (e) => void late.push(e));
    expect(late.map((e) => e.id)).toEqual(seqs);
  });

  it('cancels a running answer', async () => {
    const c = (await api.post('/v1/conversations', {})).body;
    const res = await fetch(`${k.url}/v1/chat/${c.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'x-penny-tenant': 'chat', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'stream forever' }),
    });
    const events: SseEvent[] = [];
    let cancelled = false;
    await readSse(res, (e) => {
      events.push(e);
      if (!cancelled && events.filter((x) => x.event === 'message.delta').length >= 3) {
        cancelled = true;
        void api.post(`/v1/chat/${c.id}/cancel`);
      }
    });
    expect(events.at(-1)!.event).toBe('message.cancelled');
    const detail = (await api.get(`/v1/conversations/${c.id}`)).body;
    expect(detail.path.at(-1).status).toBe('cancelled');
    // The conversation is free for the next question.
    expect((await ask(c.id, { content: 'hello again' })).at(-1)!.event).toBe('message.completed');
  });

  it('branches, switches branches, forks and exports', async () => {
    const c = (await api.post('/v1/conversations', { title: 'Branches' })).body;
    await ask(c.id, { content: 'first question' });
    const firstPath = (await api.get(`/v1/conversations/${c.id}`)).body.path;
    // Editing the question: a sibling of the first user message.
    await ask(c.id, { content: 'edited question', parentId: firstPath[0].parentId });
    let detail = (await api.get(`/v1/conversations/${c.id}`)).body;
    expect(detail.path.map((m: { content: string }) => m.content)).toEqual(['edited question', 'You said: edited question']);
    expect(detail.alternatives[detail.path[0].id]).toEqual([firstPath[0].id, detail.path[0].id]);
    await api.patch(`/v1/conversations/${c.id}`, { activeLeafId: firstPath[1].id });
    detail = (await api.get(`/v1/conversations/${c.id}`)).body;
    expect(detail.path[0].content).toBe('first question');

    const fork = await api.post(`/v1/conversations/${c.id}/fork`, { messageId: firstPath[1].id });
    expect(fork.status).toBe(201);
    const forked = (await api.get(`/v1/conversations/${fork.body.id}`)).body;
    expect(forked.path.map((m: { content: string }) => m.content)).toEqual(['first question', 'You said: first question']);

    const md = await api.get(`/v1/conversations/${c.id}/export?format=markdown`);
    expect(md.headers.get('content-type')).toContain('text/markdown');
    expect(md.body).toContain('You said: first question');
    expect(md.body).not.toContain('edited question');
    const tree = await api.get(`/v1/conversations/${c.id}/export?format=json&scope=tree`);
    expect(tree.body.messages).toHaveLength(4);
    const list = await api.get('/v1/conversations?q=Branch');
    expect(list.body.map((x: { id: string }) => x.id)).toContain(c.id);
  });
});
