// Answers as the chat shows them. One turn is everything the kernel writes after a question: text,
// tool calls with their results and artifacts, more text; the turn is named by its first assistant
// message. A turn is built either from stored messages (GET /v1/conversations/:id) or from the
// stream's events, whichever is fresher; these functions are pure so both paths stay identical.
import type { ChatEvent } from '../socket/chat-socket.ts';

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';
export type MessageStatus = 'streaming' | 'complete' | 'error' | 'cancelled';

export interface ChatMessage {
  id: string;
  parentId: string | null;
  role: MessageRole;
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[] | null;
  toolCallId: string | null;
  status: MessageStatus;
  provider: string | null;
  model: string | null;
  error: string | null;
  createdAt: string;
}

export interface ArtifactRef {
  artifactId: string;
  version: number;
  title: string;
  mimeType: string;
}

export type StepStatus = 'pending' | 'awaiting' | 'running' | 'succeeded' | 'failed' | 'denied';

export interface ChatToolStep {
  /** The kernel's call id. */
  id: string;
  /** The tool message holding the result (also what the step's events are addressed to). */
  messageId: string | null;
  tool: string;
  /** As the model produced them: parsed when they are JSON, else the raw text. */
  arguments: unknown;
  status: StepStatus;
  startedAt: number | null;
  durationMs: number | null;
  content: unknown;
  errorText: string | null;
  artifacts: ArtifactRef[];
}

export type TurnPart = { kind: 'text'; messageId: string; text: string } | { kind: 'tool'; step: ChatToolStep };

export interface Turn {
  turnId: string;
  status: MessageStatus;
  parts: TurnPart[];
  provider: string | null;
  model: string | null;
  error: { code: string; detail: string } | null;
}

/** A question and its answer, as the conversation shows them. */
export interface Exchange {
  question: ChatMessage;
  /** The first assistant message under the question, if any. */
  turnId: string | null;
  /** Stored messages of the answer, oldest first. */
  answer: ChatMessage[];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function emptyTurn(turnId: string): Turn {
  return { turnId, status: 'streaming', parts: [], provider: null, model: null, error: null };
}

/** Splits a root-to-leaf path into questions and answers. */
export function exchangesOf(path: ChatMessage[]): Exchange[] {
  const out: Exchange[] = [];
  for (const message of path) {
    if (message.role === 'user') out.push({ question: message, turnId: null, answer: [] });
    else if (message.role !== 'system' && out.length) {
      const last = out[out.length - 1]!;
      last.turnId ??= message.id;
      last.answer.push(message);
    }
  }
  return out;
}

function toolResult(message: ChatMessage): { content: unknown; error: string | null; artifacts: ArtifactRef[] } {
  const parsed = parseJson(message.content) as { result?: unknown; error?: string; artifacts?: ArtifactRef[] } | string;
  if (!parsed || typeof parsed !== 'object')
    return { content: parsed, error: message.status === 'error' ? String(parsed) : null, artifacts: [] };
  return {
    content: parsed.result ?? null,
    error: parsed.error ?? null,
    artifacts: Array.isArray(parsed.artifacts) ? parsed.artifacts : [],
  };
}

/** The turn as stored: what a reload shows for an answer that is no longer streaming. */
export function turnFromMessages(turnId: string, answer: ChatMessage[]): Turn {
  const turn = emptyTurn(turnId);
  const steps = new Map<string, ChatToolStep>();
  for (const message of answer) {
    if (message.role === 'assistant') {
      if (message.content) turn.parts.push({ kind: 'text', messageId: message.id, text: message.content });
      for (const call of message.toolCalls ?? []) {
        const step: ChatToolStep = {
          id: call.id,
          messageId: null,
          tool: call.name,
          arguments: parseJson(call.arguments),
          status: 'pending',
          startedAt: null,
          durationMs: null,
          content: null,
          errorText: null,
          artifacts: [],
        };
        steps.set(call.id, step);
        turn.parts.push({ kind: 'tool', step });
      }
      turn.provider = message.provider ?? turn.provider;
      turn.model = message.model ?? turn.model;
    } else if (message.role === 'tool' && message.toolCallId) {
      const step = steps.get(message.toolCallId);
      if (!step) continue;
      const result = toolResult(message);
      step.messageId = message.id;
      step.status = message.status === 'complete' ? 'succeeded' : 'failed';
      step.content = result.content;
      step.errorText = result.error;
      step.artifacts = result.artifacts;
    }
  }
  const last = answer[answer.length - 1];
  turn.status = last?.status ?? 'streaming';
  if (last?.status === 'error') turn.error = { code: 'error', detail: last.error ?? '' };
  // Steps whose result was never stored did not run (the answer stopped before them).
  if (turn.status !== 'streaming') for (const step of steps.values()) if (step.status === 'pending') step.status = 'failed';
  return turn;
}

function stepFor(turn: Turn, event: ChatEvent): ChatToolStep | undefined {
  const callId = event.data.callId as string | undefined;
  for (const part of turn.parts)
    if (part.kind === 'tool' && (part.step.messageId === event.messageId || (callId && part.step.id === callId))) return part.step;
  return undefined;
}

/** Applies one event to its turn (mutating it, so a reactive turn re-renders only what changed). */
export function applyEvent(turn: Turn, event: ChatEvent): void {
  const data = event.data;
  switch (event.type) {
    case 'message.started':
      turn.parts.splice(0);
      turn.status = 'streaming';
      turn.error = null;
      turn.provider = (data.provider as string) ?? null;
      turn.model = (data.model as string) ?? null;
      break;
    case 'message.delta': {
      const last = turn.parts[turn.parts.length - 1];
      if (last?.kind === 'text' && last.messageId === event.messageId) last.text += String(data.delta ?? '');
      else turn.parts.push({ kind: 'text', messageId: event.messageId, text: String(data.delta ?? '') });
      break;
    }
    case 'toolCall.requested':
      turn.parts.push({
        kind: 'tool',
        step: {
          id: String(data.callId),
          messageId: event.messageId,
          tool: String(data.name),
          arguments: parseJson(String(data.arguments ?? '{}')),
          status: 'pending',
          startedAt: Date.parse(event.at) || null,
          durationMs: null,
          content: null,
          errorText: null,
          artifacts: [],
        },
      });
      break;
    case 'toolCall.approved':
    case 'toolCall.denied':
    case 'toolCall.started':
    case 'toolCall.finished': {
      const step = stepFor(turn, event);
      if (!step) break;
      if (event.type === 'toolCall.denied') step.status = 'denied';
      else if (event.type === 'toolCall.approved') step.status = 'pending';
      else if (event.type === 'toolCall.started') {
        step.status = 'running';
        step.startedAt = Date.parse(event.at) || step.startedAt;
      } else {
        step.status = data.ok ? 'succeeded' : step.status === 'denied' ? 'denied' : 'failed';
        step.durationMs = typeof data.durationMs === 'number' ? data.durationMs : null;
        step.errorText = typeof data.error === 'string' ? data.error : null;
      }
      break;
    }
    case 'artifact.created': {
      const step = stepFor(turn, event);
      const ref: ArtifactRef = {
        artifactId: String(data.artifactId),
        version: Number(data.version),
        title: String(data.title ?? ''),
        mimeType: String(data.mimeType ?? ''),
      };
      if (step && !step.artifacts.some((a) => a.artifactId === ref.artifactId && a.version === ref.version)) step.artifacts.push(ref);
      break;
    }
    case 'message.completed':
      turn.status = 'complete';
      turn.provider = (data.provider as string) ?? turn.provider;
      turn.model = (data.model as string) ?? turn.model;
      break;
    case 'message.cancelled':
      turn.status = 'cancelled';
      break;
    case 'message.error':
      turn.status = 'error';
      turn.error = { code: String(data.code ?? 'error'), detail: String(data.detail ?? '') };
      break;
  }
  if (turn.status !== 'streaming')
    for (const part of turn.parts)
      if (part.kind === 'tool' && (part.step.status === 'pending' || part.step.status === 'running')) part.step.status = 'failed';
}

/** Every message of a tree (the JSON export) by parent, oldest first. */
export function childrenOf(messages: ChatMessage[]): Map<string | null, ChatMessage[]> {
  const children = new Map<string | null, ChatMessage[]>();
  for (const m of [...messages].sort((a, b) => a.createdAt.localeCompare(b.createdAt)))
    children.set(m.parentId, [...(children.get(m.parentId) ?? []), m]);
  return children;
}

/** The path from a message down to its newest leaf: where switching to that branch leads. */
export function newestPathFrom(messages: ChatMessage[], startId: string): ChatMessage[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const children = childrenOf(messages);
  const path: ChatMessage[] = [];
  for (let current = byId.get(startId); current; current = children.get(current.id)?.at(-1)) path.push(current);
  return path;
}
