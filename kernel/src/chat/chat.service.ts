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
import { Database } from '../database/database.service.ts';
import { ArtifactsService } from '../artifacts/artifacts.service.ts';
import { ExtensionHosts } from '../extensions/extension-hosts.ts';
import { ToolsService } from '../extensions/tools.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { ConversationsService, pathTo, type MessageView } from './conversations.service.ts';
import { ModelRouter, type ModelChoice } from './model-router.ts';
import { StreamHub, type ChatEvent } from './stream-hub.ts';
import { buildContext } from './context-window.ts';
import { ToolApprovals } from './tool-approvals.ts';

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

@injectable()
export class ChatService {
  private readonly running = new Map<string, AbortController>();

  constructor(
    @inject(Database) private readonly db: Database,
    @inject(ConversationsService) private readonly conversations: ConversationsService,
    @inject(ModelRouter) private readonly router: ModelRouter,
    @inject(ExtensionHosts) private readonly hosts: ExtensionHosts,
    @inject(ToolsService) private readonly tools: ToolsService,
    @inject(ArtifactsService) private readonly artifacts: ArtifactsService,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(StreamHub) private readonly hub: StreamHub,
    @inject(ToolApprovals) private readonly approvals: ToolApprovals,
  ) {}

  /** Stores the question and an empty answer, then answers in the background. */
  async send(tenant: TenantContext, actor: Principal, conversationId: string, input: SendInput, ip: string): Promise<TurnStarted> {
    const conversation = await this.conversations.get(tenant, actor, conversationId);
    if (this.running.has(conversationId)) throw new ConflictError('An answer is still being written in this conversation; cancel it or wait.');
    const candidates = await this.router.candidates(
      tenant.tenantId,
      { provider: input.provider, model: input.model, reason: 'explicit' },
      { provider: conversation.provider, model: conversation.model, reason: 'conversation' },
    );
    const parentId = input.parentId === undefined ? conversation.activeLeafId : input.parentId;
    const ids = await this.db.tenant(tenant.tenantId, async (em) => {
      if (parentId) {
        const [p] = await em.execute<{ role: string }[]>(`SELECT role FROM message WHERE id = ? AND conversation_id = ?`, [parentId, conversationId]);
        if (!p) throw new NotFoundError(`Message ${parentId} is not part of this conversation.`);
      }
      const [user] = await em.execute<{ id: string }[]>(
        `INSERT INTO message (tenant_id, conversation_id, parent_id, role, content, created_by) VALUES (?, ?, ?, 'user', ?, ?) RETURNING id`,
        [tenant.tenantId, conversationId, parentId ?? null, input.content, actor.userId],
      );
      const [answer] = await em.execute<{ id: string }[]>(
        `INSERT INTO message (tenant_id, conversation_id, parent_id, role, status, created_by) VALUES (?, ?, ?, 'assistant', 'streaming', ?) RETURNING id`,
        [tenant.tenantId, conversationId, user!.id, actor.userId],
      );
      const title = conversation.title || input.content.slice(0, 80);
      await em.execute(`UPDATE conversation SET active_leaf_id = ?, title = ?, updated_at = now() WHERE id = ?`, [answer!.id, title, conversationId]);
      return { userMessageId: user!.id, turnId: answer!.id };
    });
    const afterSeq = this.hub.lastSeq(tenant.tenantId, conversationId);
    const abort = new AbortController();
    this.running.set(conversationId, abort);
    void this.runTurn(tenant, actor, conversationId, ids.turnId, candidates, input, abort.signal, ip).finally(() => this.running.delete(conversationId));
    return { conversationId, ...ids, afterSeq };
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

  private async runTurn(
    tenant: TenantContext,
    actor: Principal,
    conversationId: string,
    turnId: string,
    candidates: ModelChoice[],
    input: SendInput,
    signal: AbortSignal,
    ip: string,
  ): Promise<void> {
    const tenantId = tenant.tenantId;
    const emit = (type: ChatEvent['type'], messageId: string, data: Record<string, unknown> = {}) =>
      this.publish(tenantId, { type, conversationId, turnId, messageId, data });
    let messageId = turnId;
    try {
      const byId = await this.conversations.messages(tenantId, conversationId);
      const history = pathTo(byId, turnId).slice(0, -1);
      const offered = await this.offeredTools(tenant, input.toolsAllowed);
      let choice = candidates[0]!;
      emit('message.started', messageId, { provider: choice.providerId, model: choice.model, reason: choice.reason });
      await this.audit.record({ tenantId, actorId: actor.userId, actor: actor.email, action: 'model.selected', target: `conversation:${conversationId}`, payload: { provider: choice.providerId, model: choice.model, reason: choice.reason }, ip });
      const transcript: ChatMessage[] = history.map(toChatMessage);
      for (let step = 0; step < MAX_STEPS; step++) {
        const answer = await this.callModel(tenant, actor, conversationId, messageId, candidates, choice, transcript, choice.supportsTools ? offered : [], signal, emit);
        choice = answer.choice;
        if (signal.aborted) break;
        await this.db.tenant(tenantId, (em) =>
          em.execute(`UPDATE message SET content = ?, tool_calls = ?::jsonb, provider = ?, model = ?, status = ? WHERE id = ?`, [
            answer.text,
            answer.toolCalls.length ? JSON.stringify(answer.toolCalls) : null,
            choice.providerId,
            choice.model,
            'complete',
            messageId,
          ]),
        );
        transcript.push({ role: 'assistant', content: answer.text, ...(answer.toolCalls.length ? { toolCalls: answer.toolCalls } : {}) });
        if (answer.toolCalls.length === 0) {
          emit('message.completed', messageId, { content: answer.text, provider: choice.providerId, model: choice.model });
          return;
        }
        let parent = messageId;
        for (const call of answer.toolCalls) {
          const result = await this.runToolCall(tenant, actor, conversationId, parent, call, offered, signal, ip, emit);
          parent = result.messageId;
          transcript.push({ role: 'tool', toolCallId: call.id, content: result.content });
          if (signal.aborted) break;
        }
        if (signal.aborted) break;
        // The next model step answers under the last tool result.
        messageId = await this.db.tenant(tenantId, async (em) => {
          const [next] = await em.execute<{ id: string }[]>(
            `INSERT INTO message (tenant_id, conversation_id, parent_id, role, status, created_by) VALUES (?, ?, ?, 'assistant', 'streaming', ?) RETURNING id`,
            [tenantId, conversationId, parent, actor.userId],
          );
          await em.execute(`UPDATE conversation SET active_leaf_id = ?, updated_at = now() WHERE id = ?`, [next!.id, conversationId]);
          return next!.id;
        });
      }
      if (signal.aborted) {
        await this.finish(tenantId, messageId, 'cancelled', null);
        emit('message.cancelled', messageId);
      } else {
        const note = `Stopped after ${MAX_STEPS} steps of tool calls.`;
        await this.finish(tenantId, messageId, 'error', note);
        emit('message.error', messageId, { code: 'too_many_steps', detail: note });
      }
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      const cancelled = signal.aborted;
      await this.finish(tenantId, messageId, cancelled ? 'cancelled' : 'error', cancelled ? null : detail).catch(() => undefined);
      if (cancelled) emit('message.cancelled', messageId);
      else emit('message.error', messageId, { code: err instanceof KernelError ? err.code : 'internal', detail });
    }
  }

  private finish(tenantId: string, messageId: string, status: 'cancelled' | 'error', error: string | null) {
    return this.db.tenant(tenantId, (em) => em.execute(`UPDATE message SET status = ?, error = ? WHERE id = ?`, [status, error, messageId]));
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
  ): Promise<{ text: string; toolCalls: ChatToolCall[]; choice: ModelChoice }> {
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
      try {
        const request = { model: choice.model, messages: buildContext(transcript, choice.contextWindow, tenant), ...(tools.length ? { tools, toolChoice: 'auto' as const } : {}) };
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
        await this.recordRun(tenant.tenantId, conversationId, messageId, runId, 'model', choice.installed.extensionId, choice.providerId, choice.model, usage, ttft, performance.now() - started, signal.aborted ? 'cancelled' : 'success', null);
        const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([i, c]) => ({ id: c.id || `call_${i}_${runId.slice(0, 8)}`, name: c.name, arguments: c.arguments || '{}' }));
        return { text, toolCalls, choice };
      } catch (err) {
        lastError = err;
        await this.recordRun(tenant.tenantId, conversationId, messageId, runId, 'model', choice.installed.extensionId, choice.providerId, choice.model, usage, ttft, performance.now() - started, 'failure', (err as Error).message).catch(() => undefined);
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
    emit('toolCall.finished', toolMessageId, { callId: call.id, name: call.name, ok, durationMs, ...(ok ? {} : { error: JSON.parse(content).error as string }) });
    await this.db.tenant(tenant.tenantId, (em) =>
      em.execute(
        `INSERT INTO message (id, tenant_id, conversation_id, parent_id, role, content, tool_call_id, status, created_by) VALUES (?, ?, ?, ?, 'tool', ?, ?, ?, ?)`,
        [toolMessageId, tenant.tenantId, conversationId, parentId, content, call.id, ok ? 'complete' : 'error', actor.userId],
      ),
    );
    await this.recordRun(tenant.tenantId, conversationId, toolMessageId, randomUUID(), 'tool', 'tool', call.name, null, { inputTokens: 0, outputTokens: 0 }, null, durationMs, ok ? 'success' : 'failure', ok ? null : content);
    return { messageId: toolMessageId, content };
  }

  private recordRun(
    tenantId: string,
    conversationId: string,
    messageId: string,
    runId: string,
    kind: 'model' | 'tool',
    extensionId: string,
    name: string,
    model: string | null,
    usage: { inputTokens: number; outputTokens: number },
    ttftMs: number | null,
    durationMs: number,
    outcome: string,
    error: string | null,
  ) {
    return this.db.tenant(tenantId, (em) =>
      em.execute(
        `INSERT INTO run (id, tenant_id, conversation_id, message_id, kind, extension_id, name, model, tokens_in, tokens_out, ttft_ms, duration_ms, outcome, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [runId, tenantId, conversationId, messageId, kind, extensionId, name, model, usage.inputTokens, usage.outputTokens, ttftMs, durationMs, outcome, error],
      ),
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
