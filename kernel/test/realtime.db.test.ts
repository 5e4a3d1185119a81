// The workbench socket: authenticated and tenant-scoped, answers streamed as events, resume after a
// dropped connection, and, with Redis, answers produced on one kernel reaching a client on another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { Database } from '../src/database/database.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';
import { installDirectly } from './extension-fixtures.ts';

const SCRIPTED = path.join(import.meta.dirname, 'fixtures/scripted-llm');

interface Event {
  seq: number;
  type: string;
  turnId: string;
  data: { delta?: string; content?: string };
}

function open(url: string, token: string | undefined, tenant = 'rt'): Promise<Socket> {
  const socket = connect(url, { path: '/socket.io', transports: ['websocket'], auth: token ? { token, tenant } : {}, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

function call<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return socket.timeout(20_000).emitWithAck(event, payload) as Promise<T>;
}

/** Collects chat events until `until` says stop or the turn ends. */
function collect(socket: Socket, until: (events: Event[]) => boolean = () => false): Promise<Event[]> {
  const events: Event[] = [];
  return new Promise((resolve) => {
    const onEvent = (e: Event) => {
      events.push(e);
      if (until(events) || ['message.completed', 'message.error', 'message.cancelled'].includes(e.type)) {
        socket.off('chat.event', onEvent);
        resolve(events);
      }
    };
    socket.on('chat.event', onEvent);
  });
}

describe('realtime socket', () => {
  let one: TestKernel;
  let two: TestKernel;
  let api: Api;

  beforeAll(async () => {
    one = await startTestKernel({ redis: true, config: { instanceId: 'one' } });
    const admin = await new Api(one.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const tenant = await admin.post('/v1/tenants', { slug: 'rt', name: 'Realtime' });
    await installDirectly(one.kernel, tenant.body.id, SCRIPTED);
    api = new Api(one.url, admin.token, 'rt');
    // A second kernel on the same database and the same Redis, as when scaled out.
    two = await startTestKernel({
      redis: true,
      database: { ...one.db, url: one.kernel.container.get<Database>(Database).url, drop: async () => undefined },
      config: { instanceId: 'two', redisPrefix: one.kernel.config.redisPrefix, dataDir: one.db.dataDir + '-two' },
    });
  });
  afterAll(async () => {
    await two?.stop();
    await one?.stop();
  });

  it('refuses a socket without credentials, with the reason', async () => {
    await expect(open(one.url, undefined)).rejects.toThrow(/Sign in first/);
    await expect(open(one.url, 'penny_bt_forged')).rejects.toThrow(/Sign in first/);
  });

  it('streams an answer asked over the socket, and resumes after a dropped connection', async () => {
    const conversation = (await api.post('/v1/conversations', {})).body;
    const first = await open(one.url, api.token);
    const sub = await call(first, 'subscribe', { conversationId: conversation.id });
    expect(sub).toMatchObject({ ok: true, running: false });
    const firstPart = collect(first, (events) => events.filter((e) => e.type === 'message.delta').length >= 3);
    const sent = await call(first, 'send', { conversationId: conversation.id, content: 'slow please' });
    expect(sent).toMatchObject({ ok: true, turnId: expect.any(String) });
    const seen = await firstPart;
    first.close();

    const second = await open(one.url, api.token);
    const rest = collect(second);
    const resumed = await call(second, 'subscribe', { conversationId: conversation.id, after: seen.at(-1)!.seq });
    expect(resumed.ok).toBe(true);
    const all = [...seen, ...(await rest)];
    second.close();
    const seqs = all.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(all.filter((e) => e.type === 'message.delta').map((e) => e.data.delta).join('')).toBe('one two three four five six seven eight nine ten eleven twelve');
    expect(all.at(-1)!.type).toBe('message.completed');
  });

  it('refuses conversations of other users and bad input with clear acks', async () => {
    const socket = await open(one.url, api.token);
    expect(await call(socket, 'subscribe', { conversationId: 'nope' })).toMatchObject({ ok: false, status: 400, detail: 'conversationId must be a UUID' });
    expect(await call(socket, 'subscribe', { conversationId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, status: 404 });
    socket.close();
  });

  it('delivers an answer produced on one kernel to a client connected to the other', async () => {
    const conversation = (await api.post('/v1/conversations', {})).body;
    const client = await open(two.url, api.token);
    expect((await call(client, 'subscribe', { conversationId: conversation.id })).ok).toBe(true);
    const events = collect(client);
    const started = await api.request('POST', `/v1/chat/${conversation.id}/messages`, { content: 'hello from one' }, { accept: 'application/json' });
    expect(started.status).toBe(202);
    const received = await events;
    client.close();
    expect(received.map((e) => e.type)).toContain('message.delta');
    expect(received.at(-1)).toMatchObject({ type: 'message.completed', data: { content: 'You said: hello from one' } });
  });

  it('numbers the turns of one conversation answered by different kernels without reusing a sequence number', async () => {
    const conversation = (await api.post('/v1/conversations', {})).body;
    const client = await open(one.url, api.token);
    expect((await call(client, 'subscribe', { conversationId: conversation.id })).ok).toBe(true);
    const firstTurn = collect(client);
    expect((await call(client, 'send', { conversationId: conversation.id, content: 'asked on one' })).ok).toBe(true);
    const first = await firstTurn;
    // The next question goes to the other kernel, which has never seen this conversation.
    const secondTurn = collect(client);
    const onTwo = new Api(two.url, api.token, api.tenant);
    expect((await onTwo.request('POST', `/v1/chat/${conversation.id}/messages`, { content: 'asked on two' }, { accept: 'application/json' })).status).toBe(202);
    const second = await secondTurn;
    client.close();
    expect(second.at(-1)).toMatchObject({ type: 'message.completed', data: { content: 'You said: asked on two' } });
    // A client that drops events it has already seen (by seq) loses nothing of the second turn.
    expect(second[0]!.seq).toBeGreaterThan(first.at(-1)!.seq);
    const seqs = second.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });
});
