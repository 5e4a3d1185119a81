// Conversations and their message trees: every message has a parent, so editing a question or
// regenerating an answer adds a sibling branch; the conversation remembers which leaf is active.
import { inject, injectable } from 'inversify';
import type { ChatToolCall } from '@penny/manifests';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { Database, type EntityManager } from '../database/database.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';
export type MessageStatus = 'streaming' | 'complete' | 'error' | 'cancelled';

export interface MessageView {
  id: string;
  parentId: string | null;
  role: MessageRole;
  content: string;
  toolCalls: ChatToolCall[] | null;
  toolCallId: string | null;
  status: MessageStatus;
  provider: string | null;
  model: string | null;
  error: string | null;
  createdAt: string;
}

export interface ConversationView {
  id: string;
  workspaceId: string;
  title: string;
  activeLeafId: string | null;
  provider: string | null;
  model: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationDetail extends ConversationView {
  /** Root to active leaf. */
  path: MessageView[];
  /** For each message on the path with siblings: the ids of all of them, in creation order. */
  alternatives: Record<string, string[]>;
}

export interface MessageRow {
  id: string;
  parent_id: string | null;
  role: MessageRole;
  content: string;
  tool_calls: ChatToolCall[] | null;
  tool_call_id: string | null;
  status: MessageStatus;
  provider: string | null;
  model: string | null;
  error: string | null;
  created_at: Date;
}

interface ConversationRow {
  id: string;
  workspace_id: string;
  title: string;
  active_leaf_id: string | null;
  provider: string | null;
  model: string | null;
  created_at: Date;
  updated_at: Date;
}

export const messageView = (r: MessageRow): MessageView => ({
  id: r.id,
  parentId: r.parent_id,
  role: r.role,
  content: r.content,
  toolCalls: r.tool_calls,
  toolCallId: r.tool_call_id,
  status: r.status,
  provider: r.provider,
  model: r.model,
  error: r.error,
  createdAt: new Date(r.created_at).toISOString(),
});

const conversationView = (r: ConversationRow): ConversationView => ({
  id: r.id,
  workspaceId: r.workspace_id,
  title: r.title,
  activeLeafId: r.active_leaf_id,
  provider: r.provider,
  model: r.model,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** The chain from the root to `leafId`, oldest first. */
export function pathTo(byId: Map<string, MessageView>, leafId: string | null): MessageView[] {
  const path: MessageView[] = [];
  const seen = new Set<string>();
  for (let id = leafId; id && !seen.has(id); id = byId.get(id)?.parentId ?? null) {
    seen.add(id);
    const m = byId.get(id);
    if (!m) break;
    path.unshift(m);
  }
  return path;
}

@injectable()
export class ConversationsService {
  constructor(@inject(Database) private readonly db: Database) {}

  async create(tenant: TenantContext, actor: Principal, input: { title?: string; workspaceId?: string }): Promise<ConversationView> {
    return this.db.tenant(tenant.tenantId, async (em) => {
      const [ws] = input.workspaceId
        ? await em.execute<{ id: string }[]>(`SELECT id FROM workspace WHERE id = ?`, [input.workspaceId])
        : await em.execute<{ id: string }[]>(`SELECT id FROM workspace ORDER BY created_at LIMIT 1`);
      if (!ws) throw new NotFoundError(input.workspaceId ? `No workspace ${input.workspaceId} in this tenant.` : 'This tenant has no workspace yet.');
      const [row] = await em.execute<ConversationRow[]>(
        `INSERT INTO conversation (tenant_id, workspace_id, title, created_by) VALUES (?, ?, ?, ?) RETURNING *`,
        [tenant.tenantId, ws.id, input.title ?? '', actor.userId],
      );
      return conversationView(row!);
    });
  }

  list(tenant: TenantContext, actor: Principal, query: { q?: string; limit: number }): Promise<ConversationView[]> {
    return this.db.tenant(tenant.tenantId, async (em) => {
      const params: unknown[] = [actor.userId];
      let filter = '';
      if (query.q) {
        filter = `AND title ILIKE ?`;
        params.push(`%${query.q.replace(/[\\%_]/g, '\\$&')}%`);
      }
      const rows = await em.execute<ConversationRow[]>(`SELECT * FROM conversation WHERE created_by = ? ${filter} ORDER BY updated_at DESC LIMIT ${query.limit}`, params);
      return rows.map(conversationView);
    });
  }

  /** The caller's conversation (others' are invisible, as if they did not exist). */
  async get(tenant: TenantContext, actor: Principal, id: string, em?: EntityManager): Promise<ConversationView> {
    const load = (tx: EntityManager) => tx.execute<ConversationRow[]>(`SELECT * FROM conversation WHERE id = ? AND created_by = ?`, [id, actor.userId]);
    const rows = em ? await load(em) : await this.db.tenant(tenant.tenantId, load);
    if (!rows[0]) throw new NotFoundError(`No conversation ${id}.`);
    return conversationView(rows[0]);
  }

  async messages(tenantId: string, conversationId: string, em?: EntityManager): Promise<Map<string, MessageView>> {
    const load = (tx: EntityManager) => tx.execute<MessageRow[]>(`SELECT * FROM message WHERE conversation_id = ? ORDER BY created_at, id`, [conversationId]);
    const rows = em ? await load(em) : await this.db.tenant(tenantId, load);
    return new Map(rows.map((r) => [r.id, messageView(r)]));
  }

  async detail(tenant: TenantContext, actor: Principal, id: string): Promise<ConversationDetail> {
    const conversation = await this.get(tenant, actor, id);
    const byId = await this.messages(tenant.tenantId, id);
    const path = pathTo(byId, conversation.activeLeafId);
    const children = new Map<string | null, string[]>();
    for (const m of byId.values()) children.set(m.parentId, [...(children.get(m.parentId) ?? []), m.id]);
    const alternatives: Record<string, string[]> = {};
    for (const m of path) {
      const siblings = children.get(m.parentId) ?? [];
      if (siblings.length > 1) alternatives[m.id] = siblings;
    }
    return { ...conversation, path, alternatives };
  }

  async update(tenant: TenantContext, actor: Principal, id: string, input: { title?: string; activeLeafId?: string }): Promise<ConversationView> {
    await this.db.tenant(tenant.tenantId, async (em) => {
      await this.get(tenant, actor, id, em);
      if (input.activeLeafId) {
        const [m] = await em.execute(`SELECT 1 FROM message WHERE id = ? AND conversation_id = ?`, [input.activeLeafId, id]);
        if (!m) throw new ValidationError(`Message ${input.activeLeafId} is not part of this conversation.`);
      }
      await em.execute(`UPDATE conversation SET title = COALESCE(?, title), active_leaf_id = COALESCE(?, active_leaf_id), updated_at = now() WHERE id = ?`, [
        input.title ?? null,
        input.activeLeafId ?? null,
        id,
      ]);
    });
    return this.get(tenant, actor, id);
  }

  async remove(tenant: TenantContext, actor: Principal, id: string): Promise<void> {
    await this.db.tenant(tenant.tenantId, async (em) => {
      await this.get(tenant, actor, id, em);
      await em.execute(`DELETE FROM conversation WHERE id = ?`, [id]);
    });
  }

  /** Copies the path ending at `messageId` into a new conversation. */
  async fork(tenant: TenantContext, actor: Principal, id: string, messageId: string): Promise<ConversationView> {
    const source = await this.get(tenant, actor, id);
    const byId = await this.messages(tenant.tenantId, id);
    if (!byId.has(messageId)) throw new ValidationError(`Message ${messageId} is not part of this conversation.`);
    const path = pathTo(byId, messageId);
    return this.db.tenant(tenant.tenantId, async (em) => {
      const [row] = await em.execute<ConversationRow[]>(
        `INSERT INTO conversation (tenant_id, workspace_id, title, created_by, provider, model) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        [tenant.tenantId, source.workspaceId, source.title ? `${source.title} (fork)` : '', actor.userId, source.provider, source.model],
      );
      let parent: string | null = null;
      for (const m of path) {
        const copied: { id: string }[] = await em.execute<{ id: string }[]>(
          `INSERT INTO message (tenant_id, conversation_id, parent_id, role, content, tool_calls, tool_call_id, status, provider, model, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [tenant.tenantId, row!.id, parent, m.role, m.content, m.toolCalls ? JSON.stringify(m.toolCalls) : null, m.toolCallId, m.status === 'streaming' ? 'cancelled' : m.status, m.provider, m.model, actor.userId, m.createdAt],
        );
        parent = copied[0]!.id;
      }
      await em.execute(`UPDATE conversation SET active_leaf_id = ? WHERE id = ?`, [parent, row!.id]);
      return { ...conversationView(row!), activeLeafId: parent };
    });
  }
}
