import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../socket/chat-socket.ts';
import { applyEvent, emptyTurn, exchangesOf, newestPathFrom, turnFromMessages, type ChatMessage } from './chat-turns.ts';

let seq = 0;
const event = (type: ChatEvent['type'], messageId: string, data: Record<string, unknown> = {}): ChatEvent => ({
  seq: ++seq,
  type,
  conversationId: 'c',
  turnId: 'a1',
  messageId,
  data,
  at: '2026-11-01T10:00:00.000Z',
});

const message = (
  id: string,
  parentId: string | null,
  role: ChatMessage['role'],
  content = '',
  extra: Partial<ChatMessage> = {},
): ChatMessage => ({
  id,
  parentId,
  role,
  content,
  toolCalls: null,
  toolCallId: null,
  status: 'complete',
  provider: 'p',
  model: 'm',
  error: null,
  createdAt: `2026-11-01T10:00:0${id.length}.000Z`,
  ...extra,
});

describe('chat turns', () => {
  const stored = [
    message('u1', null, 'user', 'How are the KPIs?'),
    message('a1', 'u1', 'assistant', 'Let me look.', {
      toolCalls: [{ id: 'call-1', name: 'get_company_kpis', arguments: '{"period":"QTD"}' }],
    }),
    message(
      't1',
      'a1',
      'tool',
      JSON.stringify({
        result: { rows: 1 },
        artifacts: [{ artifactId: 'x', version: 1, title: 'Chart', mimeType: 'application/vnd.vegalite.v5+json' }],
      }),
      { toolCallId: 'call-1' },
    ),
    message('a2', 't1', 'assistant', 'Here they are.'),
  ];

  it('builds the same turn from stored messages as from the stream', () => {
    const fromStore = turnFromMessages('a1', exchangesOf(stored)[0]!.answer);
    const live = emptyTurn('a1');
    for (const e of [
      event('message.started', 'a1', { provider: 'p', model: 'm' }),
      event('message.delta', 'a1', { delta: 'Let ' }),
      event('message.delta', 'a1', { delta: 'me look.' }),
      event('toolCall.requested', 't1', { callId: 'call-1', name: 'get_company_kpis', arguments: '{"period":"QTD"}' }),
      event('toolCall.started', 't1', { callId: 'call-1', name: 'get_company_kpis' }),
      event('artifact.created', 't1', { artifactId: 'x', version: 1, title: 'Chart', mimeType: 'application/vnd.vegalite.v5+json' }),
      event('toolCall.finished', 't1', { callId: 'call-1', name: 'get_company_kpis', ok: true, durationMs: 12 }),
      event('message.delta', 'a2', { delta: 'Here they are.' }),
      event('message.completed', 'a2', { content: 'Here they are.', provider: 'p', model: 'm' }),
    ])
      applyEvent(live, e);
    const text = (t: typeof live) =>
      t.parts.map((p) => (p.kind === 'text' ? p.text : `[${p.step.tool}:${p.step.status}:${p.step.artifacts.map((a) => a.title).join()}]`));
    expect(text(live)).toEqual(['Let me look.', '[get_company_kpis:succeeded:Chart]', 'Here they are.']);
    expect(text(fromStore)).toEqual(text(live));
    expect(live.status).toBe('complete');
    expect(fromStore.status).toBe('complete');
  });

  it('starts over when the start of a turn is replayed, so a replay never doubles text', () => {
    const turn = emptyTurn('a1');
    applyEvent(turn, event('message.started', 'a1'));
    applyEvent(turn, event('message.delta', 'a1', { delta: 'one' }));
    applyEvent(turn, event('message.started', 'a1'));
    applyEvent(turn, event('message.delta', 'a1', { delta: 'one' }));
    expect(turn.parts).toEqual([{ kind: 'text', messageId: 'a1', text: 'one' }]);
  });

  it('marks denied and unfinished calls, and keeps the error of a failed answer', () => {
    const turn = emptyTurn('a1');
    applyEvent(turn, event('toolCall.requested', 't1', { callId: 'c1', name: 'send_mail', arguments: 'not json' }));
    applyEvent(turn, event('toolCall.denied', 't1', { callId: 'c1' }));
    applyEvent(turn, event('toolCall.finished', 't1', { callId: 'c1', ok: false, durationMs: 1, error: 'not approved' }));
    applyEvent(turn, event('toolCall.requested', 't2', { callId: 'c2', name: 'other', arguments: '{}' }));
    applyEvent(turn, event('message.error', 'a1', { code: 'internal', detail: 'boom' }));
    const steps = turn.parts.flatMap((p) => (p.kind === 'tool' ? [p.step] : []));
    expect(steps.map((s) => [s.status, s.arguments])).toEqual([
      ['denied', 'not json'],
      ['failed', {}],
    ]);
    expect(turn.error).toEqual({ code: 'internal', detail: 'boom' });
  });

  it('follows a branch to its newest leaf', () => {
    const tree = [
      message('u1', null, 'user'),
      message('a1', 'u1', 'assistant'),
      message('u2', 'a1', 'user'),
      message('u22', 'a1', 'user'),
      message('a222', 'u22', 'assistant'),
    ];
    expect(newestPathFrom(tree, 'u1').map((m) => m.id)).toEqual(['u1', 'a1', 'u22', 'a222']);
    expect(newestPathFrom(tree, 'u2').map((m) => m.id)).toEqual(['u2']);
  });
});
