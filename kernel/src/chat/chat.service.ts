// One turn of a conversation: store the question, pick a model, stream its answer, route the tool
// calls it makes (validated, confirmed where flagged, run in the tenant's host, artifacts stored),
// feed results back, up to a bounded number of steps. Runs detached from the HTTP request, so a
// client that disconnects can resume; every step is published to the stream hub, recorded as a
// Run and audited.
import { inject, injectable } from 'inversify';
import { randomUUID } from 'node:crypto';
import type { ChatMessage, ChatToolCall, ChatToolSpec, JsonValue } from '@penny/manifests';
import { ConflictError, KernelError, NotFoundError } from '../core/errors.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { Database, type SqlExecutor } from '../database/database.service.ts';
import { ArtifactsService } from '../artifacts/artifacts.service.ts';
import { ExtensionHosts } from '../extensions/extension-hosts.ts';
import { ToolsService } from '../extensions/tools.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { messageView, type MessageRow, type MessageView } from './conversations.service.ts';
import { ModelRouter, type ModelChoice } from './model-router.ts';
import { StreamHub, type ChatEvent } from './stream-hub.ts';
import { buildContext } from './context-window.ts';
import { ToolApprovals } from './tool-approvals.ts';
import { SystemPrompts } from './system-prompts.ts';
import { TenantSettings, workspaceDefault } from '../tenancy/tenant-settings.service.ts';

export interface SendInput {
  content: string;
  /** Where the question attaches; absent: the active leaf; null: a new root. Another parent makes a branch. */
  parentId?: string | null;
  toolsAllowed?: string[];
  artifactsExpected?: string[];
  attachments?: unknown[];
  provider?: string;
  model?: string;
}

export interface TurnStarted {
  conversationId: string;
  userMessageId: string;
  turnId: string;
  /** Events of this turn have sequence numbers above this. */
  afterSeq: number;
}

const MAX_STEPS = 8;
const TOOL_RESULT_CHARS = 16_000;

/** Writes of a turn that wait for the next commit: a turn touches the database in few, short transactions. */
type Write = (sql: SqlExecutor) => Promise<unknown>;

interface PendingWrites {
  writes: Write[];
  /** Audit appends go last, so the tenant's chain head is locked for as short a time as possible. */
  audits: Parameters<AuditLog['append']>[1][];
}

interface RunRecord {
  runId: string;
  kind: 'model' | 'tool';
  extensionId: string;
  name: string;
  model: string | null;
  usage: { inputTokens: number; outputTokens: number };
  ttftMs: number | null;
  durationMs: number;
  outcome: string;
  error: string | null;
}

// The active path up to a message, newest first: only the branch the model will see is read.
const PATH_TO = `
  WITH RECURSIVE path AS (
    SELECT m.*, 0 AS depth FROM message m WHERE m.id = ? AND m.conversation_id = ?
    UNION ALL
    SELECT m.*, p.depth + 1 FROM message m JOIN path p ON m.id = p.parent_id WHERE p.depth < 10000
  ) SELECT * FROM path ORDER BY depth DESC`;

// The question, an empty answer under it, and the conversation's new leaf, in one statement.
const INSERT_TURN = `
  WITH question AS (
    INSERT INTO message (tenant_id, conversation_id, parent_id, role, content, created_by) VALUES (?, ?, ?, 'user', ?, ?) RETURNING id
  ), answer AS (
    INSERT INTO message (tenant_id, conversation_id, parent_id, role, status, created_by) SELECT ?::uuid, ?::uuid, question.id, 'assistant', 'streaming', ?::uuid FROM question RETURNING id
  ), leaf AS (
    UPDATE conversation SET active_leaf_id = (SELECT id FROM answer), title = ?, updated_at = now(), stream_turns = stream_turns + 1 WHERE id = ? RETURNING stream_turns
  ) SELECT question.id AS question_id, answer.id AS answer_id, leaf.stream_turns FROM question, answer, leaf`;

@injectable()
export class ChatService {
  private readonly running = new Map<string, AbortController>();

  constructor(
    @inject(Database) private readonly db: Database,
    @inject(ModelRouter) private readonly router: ModelRouter,
    @inject(ExtensionHosts) private readonly hosts: ExtensionHosts,
    @inject(ToolsService) private readonly tools: ToolsService,
    @inject(ArtifactsService) private readonly artifacts: ArtifactsService,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(StreamHub) private readonly hub: StreamHub,
    @inject(ToolApprovals) private readonly approvals: ToolApprovals,
    @inject(TenantSettings) private readonly tenantSettings: TenantSettings,
    @inject(SystemPrompts) private readonly systemPrompts: SystemPrompts,
  ) {}

  /**
   * Stores the question and an empty answer, then answers in the background. One transaction
   * before the model is called: the conversation, the branch it continues and the two new
   * messages; what the tenant can use (models, tools) comes from caches.
   */
  async send(tenant: TenantContext, actor: Principal, conversationId: string, input: SendInput, ip: string): Promise<TurnStarted> {
    // Claimed before the first await: two questions racing into one conversation cannot both start.
    if (this.running.has(conversationId)) throw new ConflictError('An answer is still being written in this conversation; cancel it or wait.');
    const abort = new AbortController();
    this.running.set(conversationId, abort);
    try {
      const [available, offered, settings] = await Promise.all([this.router.available(tenant.tenantId), this.offeredTools(tenant, input.toolsAllowed), this.tenantSettings.snapshot(tenant.tenantId)]);
      const turn = await this.db.tenantSql(tenant.tenantId, async (em) => {
        const [conversation] = await em.execute<{ title: string; active_leaf_id: string | null; provider: string | null; model: string | null; workspace_id: string }[]>(
          `SELECT title, active_leaf_id, provider, model, workspace_id FROM conversation WHERE id = ? AND created_by = ?`,
          [conversationId, actor.userId],
        );
        if (!conversation) throw new NotFoundError(`No conversation ${conversationId}.`);
        const candidates = this.router.order(
          available,
          { provider: input.provider, model: input.model, reason: 'explicit' },
          { provider: conversation.provider, model: conversation.model, reason: 'conversation' },
          workspaceDefault(settings, conversation.workspace_id),
        );
        const systemPrompt = this.systemPrompts.compose(settings, { workspaceId: conversation.workspace_id, user: actor.displayName }).text;
        const parentId = input.parentId === undefined ? conversation.active_leaf_id : input.parentId;
        const history = parentId ? (await em.execute<MessageRow[]>(PATH_TO, [parentId, conversationId])).map(messageView) : [];
        if (parentId && history.length === 0) throw new NotFoundError(`Message ${parentId} is not part of this conversation.`);
        const title = conversation.title || input.content.slice(0, 80);
        const [ids] = await em.execute<{ question_id: string; answer_id: string; stream_turns: string }[]>(INSERT_TURN, [
          tenant.tenantId, conversationId, parentId ?? null, input.content, actor.userId,
          tenant.tenantId, conversationId, actor.userId,
          title, conversationId,
        ]);
        return { candidates, history, systemPrompt, userMessageId: ids!.question_id, turnId: ids!.answer_id, turnNumber: Number(ids!.stream_turns) };
      });
      const afterSeq = this.hub.beginTurn(tenant.tenantId, conversationId, turn.turnNumber);
      const transcript = [...turn.history.map(toChatMessage), { role: 'user' as const, content: input.content }];
      void this.runTurn(tenant, actor, conversationId, turn.turnId, turn.candidates, offered, transcript, abort.signal, ip, turn.systemPrompt).finally(() => this.running.delete(conversationId));
      return { conversationId, userMessageId: turn.userMessageId, turnId: turn.turnId, afterSeq };
    } catch (err) {
      this.running.delete(conversationId);
      throw err;
    }
  }

  cancel(conversationId: string): boolean {
    const abort = this.running.get(conversationId);
    abort?.abort();
    return abort !== undefined;
  }

  isRunning(conversationId: string): boolean {
    return this.running.has(conversationId);
  }

  private publish(tenantId: string, event: Omit<ChatEvent, 'seq' | 'at'>): void {
    this.hub.publish(tenantId, event);
  }

  private flush(tenantId: string, pending: PendingWrites): Promise<void> {
    if (!pending.writes.length && !pending.audits.length) return Promise.resolve();
    const writes = pending.writes.splice(0);
    const audits = pending.audits.splice(0);
    return this.db.tenantSql(tenantId, async (em) => {
      for (const write of writes) await write(em);
      for (const record of audits) await this.audit.append(em, record);
    });
  }

  private async runTurn(
    tenant: TenantContext,
    actor: Principal,
    conversationId: string,
    turnId: string,
    candidates: ModelChoice[],
    offered: ChatToolSpec[],
    transcript: ChatMessage[],
    signal: AbortSignal,
    ip: string,
    systemPrompt: string,
  ): Promise<void> {
    const tenantId = tenant.tenantId;
    const emit = (type: ChatEvent['type'], messageId: string, data: Record<string, unknown> = {}) =>
      this.publish(tenantId, { type, conversationId, turnId, messageId, data });
    const pending: PendingWrites = { writes: [], audits: [] };
    let messageId = turnId;
    try {
      let choice = candidates[0]!;
      emit('message.started', messageId, { provider: choice.providerId, model: choice.model, reason: choice.reason });
      pending.audits.push({ tenantId, actorId: actor.userId, actor: actor.email, action: 'model.selected', target: `conversation:${conversationId}`, payload: { provider: choice.providerId, model: choice.model, reason: choice.reason }, ip });
      for (let step = 0; step < MAX_STEPS; step++) {
        const answer = await this.callModel(tenant, actor, conversationId, messageId, candidates, choice, transcript, choice.supportsTools ? offered : [], signal, emit, pending, systemPrompt);
        choice = answer.choice;
        if (signal.aborted) {
          // A stopped answer keeps the text the user already saw.
          const stopped = messageId;
          pending.writes.push((em) => em.execute(`UPDATE message SET content = ?, provider = ?, model = ? WHERE id = ?`, [answer.text, choice.providerId, choice.model, stopped]));
          break;
        }
        pending.writes.push(this.answerWrite(tenantId, conversationId, messageId, answer.text, answer.toolCalls, choice, answer.run));
        transcript.push({ role: 'assistant', content: answer.text, ...(answer.toolCalls.length ? { toolCalls: answer.toolCalls } : {}) });
        if (answer.toolCalls.length === 0) {
          await this.flush(tenantId, pending);
          emit('message.completed', messageId, { content: answer.text, provider: choice.providerId, model: choice.model });
          return;
        }
        let parent = messageId;
        for (const call of answer.toolCalls) {
          const result = await this.runToolCall(tenant, actor, conversationId, parent, call, offered, signal, ip, emit, pending);
          parent = result.messageId;
          transcript.push({ role: 'tool', toolCallId: call.id, content: result.content });
          if (signal.aborted) break;
        }
        if (signal.aborted) break;
        // The next model step answers under the last tool result.
        const next = randomUUID();
        const under = parent;
        pending.writes.push(async (em) => {
          await em.execute(`INSERT INTO message (id, tenant_id, conversation_id, parent_id, role, status, created_by) VALUES (?, ?, ?, ?, 'assistant', 'streaming', ?)`, [
            next, tenantId, conversationId, under, actor.userId,
          ]);
          await em.execute(`UPDATE conversation SET active_leaf_id = ?, updated_at = now() WHERE id = ?`, [next, conversationId]);
        });
        await this.flush(tenantId, pending);
        messageId = next;
      }
      if (signal.aborted) {
        pending.writes.push(this.finishWrite(messageId, 'cancelled', null));
        await this.flush(tenantId, pending);
        emit('message.cancelled', messageId);
      } else {
        const note = `Stopped after ${MAX_STEPS} steps of tool calls.`;
        pending.writes.push(this.finishWrite(messageId, 'error', note));
        await this.flush(tenantId, pending);
        emit('message.error', messageId, { code: 'too_many_steps', detail: note });
      }
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      const cancelled = signal.aborted;
      pending.writes.push(this.finishWrite(messageId, cancelled ? 'cancelled' : 'error', cancelled ? null : detail));
      await this.flush(tenantId, pending).catch(() => undefined);
      if (cancelled) emit('message.cancelled', messageId);
      else emit('message.error', messageId, { code: err instanceof KernelError ? err.code : 'internal', detail });
    }
  }

  private finishWrite(messageId: string, status: 'cancelled' | 'error', error: string | null): Write {
    return (em) => em.execute(`UPDATE message SET status = ?, error = ? WHERE id = ?`, [status, error, messageId]);
  }

  private async offeredTools(tenant: TenantContext, allowed?: string[]): Promise<ChatToolSpec[]> {
    const tools = await this.tools.list(tenant);
    return tools
      .filter((t) => !allowed || allowed.includes(t.name))
      .map((t) => ({ name: t.name, description: t.description ?? '', parameters: (t.parameters ?? { type: 'object' }) as ChatToolSpec['parameters'] }));
  }

  /** One model call with retries and fallback, as long as nothing has been streamed yet. */
  private async callModel(
    tenant: TenantContext,
    actor: Principal,
    conversationId: string,
    messageId: string,
    candidates: ModelChoice[],
    first: ModelChoice,
    transcript: ChatMessage[],
    tools: ChatToolSpec[],
    signal: AbortSignal,
    emit: (type: ChatEvent['type'], messageId: string, data?: Record<string, unknown>) => void,
    pending: PendingWrites,
    systemPrompt: string,
  ): Promise<{ text: string; toolCalls: ChatToolCall[]; choice: ModelChoice; run: RunRecord }> {
    // Retry the same model once; then fall back to another provider (another model of the same
    // provider would likely fail the same way), unless the caller chose this model explicitly.
    const fallbacks = first.reason === 'explicit' ? [] : candidates.filter((c) => c.providerId !== first.providerId || c.installed.extensionId !== first.installed.extensionId);
    const seen = new Set<string>();
    const order = [first, ...fallbacks].filter((c) => {
      const key = `${c.installed.extensionId}/${c.providerId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    let lastError: unknown;
    for (const [attempt, choice] of order.flatMap((c) => [c, c]).entries()) {
      if (signal.aborted) break;
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 200 * 2 ** attempt)));
      let text = '';
      let streamed = false;
      const calls = new Map<number, { id: string; name: string; arguments: string }>();
      let usage = { inputTokens: 0, outputTokens: 0 };
      const started = performance.now();
      let ttft: number | null = null;
      const runId = randomUUID();
      const run = (outcome: string, error: string | null): RunRecord => ({
        runId, kind: 'model', extensionId: choice.installed.extensionId, name: choice.providerId, model: choice.model,
        usage, ttftMs: ttft, durationMs: performance.now() - started, outcome, error,
      });
      try {
        const request = { model: choice.model, messages: buildContext(transcript, choice.contextWindow, { name: tenant.name, systemPrompt }), ...(tools.length ? { tools, toolChoice: 'auto' as const } : {}) };
        const result = await this.hosts.chat(tenant.tenantId, choice.installed, choice.providerId, request, { userId: actor.userId, conversationId }, (chunk) => {
          ttft ??= performance.now() - started;
          streamed = true;
          if (chunk.type === 'text') {
            text += chunk.delta;
            emit('message.delta', messageId, { delta: chunk.delta });
          } else if (chunk.type === 'toolCall') {
            const c = calls.get(chunk.index) ?? { id: '', name: '', arguments: '' };
            if (chunk.id) c.id = chunk.id;
            if (chunk.name) c.name = chunk.name;
            c.arguments += chunk.argumentsDelta ?? '';
            calls.set(chunk.index, c);
          } else if (chunk.type === 'usage') {
            usage = { inputTokens: chunk.inputTokens, outputTokens: chunk.outputTokens };
          }
        }, signal);
        if (result.usage) usage = result.usage;
        const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([i, c]) => ({ id: c.id || `call_${i}_${runId.slice(0, 8)}`, name: c.name, arguments: c.arguments || '{}' }));
        const record = run(signal.aborted ? 'cancelled' : 'success', null);
        // A cancelled answer is not written by the caller: keep its run here.
        if (signal.aborted) pending.writes.push(this.runWrite(tenant.tenantId, conversationId, messageId, record));
        return { text, toolCalls, choice, run: record };
      } catch (err) {
        lastError = err;
        pending.writes.push(this.runWrite(tenant.tenantId, conversationId, messageId, run('failure', (err as Error).message)));
        // Once tokens reached the user, a retry would duplicate them: fail instead.
        if (streamed || signal.aborted) throw err;
      }
    }
    throw lastError ?? new Error('no model answered');
  }

  private async runToolCall(
    tenant: TenantContext,
    actor: Principal,
    conversationId: string,
    parentId: string,
    call: ChatToolCall,
    offered: ChatToolSpec[],
    signal: AbortSignal,
    ip: string,
    emit: (type: ChatEvent['type'], messageId: string, data?: Record<string, unknown>) => void,
    pending: PendingWrites,
  ): Promise<{ messageId: string; content: string }> {
    const toolMessageId = randomUUID();
    const started = performance.now();
    let content: string;
    let ok = false;
    emit('toolCall.requested', toolMessageId, { callId: call.id, name: call.name, arguments: call.arguments });
    try {
      if (!offered.some((t) => t.name === call.name)) throw new NotFoundError(`The tool "${call.name}" is not available in this conversation.`);
      let args: Record<string, JsonValue>;
      try {
        args = JSON.parse(call.arguments || '{}') as Record<string, JsonValue>;
      } catch {
        throw new KernelArgumentsError(`The arguments of ${call.name} are not valid JSON.`);
      }
      if (!args || typeof args !== 'object' || Array.isArray(args)) throw new KernelArgumentsError(`The arguments of ${call.name} must be a JSON object.`);
      const { tool } = await this.tools.describe(tenant.tenantId, call.name);
      if (tool.confirm) {
        const approved = await this.approvals.wait(conversationId, call.id, signal);
        emit(approved ? 'toolCall.approved' : 'toolCall.denied', toolMessageId, { callId: call.id });
        if (!approved) throw new DeniedError(`The user did not approve the call to ${call.name}.`);
      }
      emit('toolCall.started', toolMessageId, { callId: call.id, name: call.name });
      const result = await this.tools.invoke(tenant, actor, call.name, args, ip);
      const stored = [];
      for (const draft of result.artifacts as Parameters<ArtifactsService['create']>[1][]) {
        const artifact = await this.artifacts.create(
          tenant.tenantId,
          draft,
          { tool: call.name, extensionId: result.extensionId, callId: result.callId, messageId: toolMessageId, conversationId },
          actor.userId,
        );
        stored.push(artifact);
        emit('artifact.created', toolMessageId, { ...artifact });
      }
      ok = true;
      content = JSON.stringify({ result: result.content, artifacts: stored.map((a) => ({ artifactId: a.artifactId, version: a.version, title: a.title, mimeType: a.mimeType })) });
    } catch (err) {
      // The model hears what went wrong and may correct itself; the turn goes on.
      content = JSON.stringify({ error: (err as Error).message });
    }
    if (content.length > TOOL_RESULT_CHARS) content = `${content.slice(0, TOOL_RESULT_CHARS)}… (truncated)`;
    const durationMs = Math.round(performance.now() - started);
    const error = ok ? null : (JSON.parse(content) as { error: string }).error;
    emit('toolCall.finished', toolMessageId, { callId: call.id, name: call.name, ok, durationMs, ...(ok ? {} : { error }) });
    pending.writes.push((em) =>
      em.execute(
        `INSERT INTO message (id, tenant_id, conversation_id, parent_id, role, content, tool_call_id, status, created_by) VALUES (?, ?, ?, ?, 'tool', ?, ?, ?, ?)`,
        [toolMessageId, tenant.tenantId, conversationId, parentId, content, call.id, ok ? 'complete' : 'error', actor.userId],
      ),
    );
    pending.writes.push(
      this.runWrite(tenant.tenantId, conversationId, toolMessageId, {
        runId: randomUUID(), kind: 'tool', extensionId: 'tool', name: call.name, model: null,
        usage: { inputTokens: 0, outputTokens: 0 }, ttftMs: null, durationMs, outcome: ok ? 'success' : 'failure', error: ok ? null : content,
      }),
    );
    return { messageId: toolMessageId, content };
  }

  /** The finished answer and its run, in one statement. */
  private answerWrite(tenantId: string, conversationId: string, messageId: string, text: string, toolCalls: ChatToolCall[], choice: ModelChoice, run: RunRecord): Write {
    return (em) =>
      em.execute(
        `WITH answer AS (
           UPDATE message SET content = ?, tool_calls = ?::jsonb, provider = ?, model = ?, status = 'complete' WHERE id = ? RETURNING id
         ) INSERT INTO run (id, tenant_id, conversation_id, message_id, kind, extension_id, name, model, tokens_in, tokens_out, ttft_ms, duration_ms, outcome, error)
           SELECT ?::uuid, ?::uuid, ?::uuid, answer.id, ?, ?, ?, ?, ?::integer, ?::integer, ?::double precision, ?::double precision, ?, ? FROM answer`,
        [
          text, toolCalls.length ? JSON.stringify(toolCalls) : null, choice.providerId, choice.model, messageId,
          run.runId, tenantId, conversationId, run.kind, run.extensionId, run.name, run.model, run.usage.inputTokens, run.usage.outputTokens, run.ttftMs, run.durationMs, run.outcome, run.error,
        ],
      );
  }

  private runWrite(tenantId: string, conversationId: string, messageId: string, run: RunRecord): Write {
    return (em) =>
      em.execute(
        `INSERT INTO run (id, tenant_id, conversation_id, message_id, kind, extension_id, name, model, tokens_in, tokens_out, ttft_ms, duration_ms, outcome, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [run.runId, tenantId, conversationId, messageId, run.kind, run.extensionId, run.name, run.model, run.usage.inputTokens, run.usage.outputTokens, run.ttftMs, run.durationMs, run.outcome, run.error],
      );
  }
}

class KernelArgumentsError extends Error {}
class DeniedError extends Error {}

export function toChatMessage(m: MessageView): ChatMessage {
  return {
    role: m.role,
    content: m.content,
    ...(m.toolCalls ? { toolCalls: m.toolCalls } : {}),
    ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}),
  };
}
