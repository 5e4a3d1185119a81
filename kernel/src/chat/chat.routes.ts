// HTTP routes for conversations and answers. Answers stream as Server-Sent Events; a client that
// lost the stream resumes with GET …/events and `Last-Event-ID` (or ?after=) and misses nothing.
import { inject, injectable } from 'inversify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../core/errors.ts';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { idParams, object, responses, timestamp, uuid } from '../http/schemas.ts';
import { ChatService, type SendInput } from './chat.service.ts';
import { ConversationsService } from './conversations.service.ts';
import { exportConversation } from './export.ts';
import { StreamHub, TERMINAL_EVENTS, type ChatEvent } from './stream-hub.ts';
import { ToolApprovals } from './tool-approvals.ts';

const nullableString = { type: ['string', 'null'] };
const conversationProps = {
  id: uuid,
  workspaceId: uuid,
  title: { type: 'string' },
  activeLeafId: nullableString,
  provider: nullableString,
  model: nullableString,
  createdAt: timestamp,
  updatedAt: timestamp,
};
const messageSchema = object({
  id: uuid,
  parentId: nullableString,
  role: { type: 'string' },
  content: { type: 'string' },
  toolCalls: { type: ['array', 'null'], items: { type: 'object', additionalProperties: true } },
  toolCallId: nullableString,
  status: { type: 'string' },
  provider: nullableString,
  model: nullableString,
  error: nullableString,
  createdAt: timestamp,
});
const conversationIdParams = object({ conversationId: uuid });
const sendBody = object(
  {
    content: { type: 'string', minLength: 1, maxLength: 100_000 },
    parentId: { type: ['string', 'null'], format: 'uuid', description: 'null starts a new root branch; absent means after the active leaf' },
    attachments: { type: 'array', maxItems: 20, items: { type: 'object', additionalProperties: true } },
    toolsAllowed: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 64 } },
    artifactsExpected: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 255 } },
    provider: { type: 'string', maxLength: 64 },
    model: { type: 'string', maxLength: 200 },
  },
  ['content'],
);

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}

@injectable()
export class ChatRoutes implements RouteContribution {
  constructor(
    @inject(ConversationsService) private readonly conversations: ConversationsService,
    @inject(ChatService) private readonly chat: ChatService,
    @inject(StreamHub) private readonly hub: StreamHub,
    @inject(ToolApprovals) private readonly approvals: ToolApprovals,
  ) {}

  /** Streams events after `afterSeq` until the turn `turnId` (or, without one, the running turn) ends. */
  private stream(request: FastifyRequest, reply: FastifyReply, tenantId: string, conversationId: string, afterSeq: number, turnId: string | null): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    let closed = false;
    // Assigned once below, but `close` (called during the replay) must see it before that.
    // eslint-disable-next-line prefer-const
    let sub: { dispose(): void; complete: boolean } | undefined;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      sub?.dispose();
      res.end();
    };
    const write = (event: ChatEvent) => {
      if (closed) return;
      res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      if (TERMINAL_EVENTS.has(event.type) && (turnId === null || event.turnId === turnId)) close();
    };
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    sub = this.hub.subscribe(tenantId, conversationId, afterSeq, write);
    // The replay may already have reached the end of the turn.
    if (closed) sub.dispose();
    else if (!sub.complete) res.write(`event: stream.gap\ndata: ${JSON.stringify({ detail: 'Some events are no longer kept; reload the conversation.' })}\n\n`);
    // Nothing running and nothing left to replay: the client is up to date.
    if (!closed && turnId === null && !this.chat.isRunning(conversationId)) close();
    request.raw.on('close', close);
  }

  register(app: FastifyInstance): void {
    app.post<{ Body: { title?: string; workspaceId?: string } }>(
      '/v1/conversations',
      {
        config: { access: { permission: 'chat.use' } },
        schema: { tags: ['chat'], summary: 'Start a conversation', body: object({ title: { type: 'string', maxLength: 200 }, workspaceId: uuid }, []), response: responses({ 201: object(conversationProps) }) },
      },
      async (request, reply) => reply.code(201).send(await this.conversations.create(tenantOf(request), principalOf(request), request.body)),
    );

    app.get<{ Querystring: { q?: string; limit: number } }>(
      '/v1/conversations',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'Your conversations, most recent first (search the titles with q)',
          querystring: object({ q: { type: 'string', maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } }, []),
          response: responses({ 200: { type: 'array', items: object(conversationProps) } }),
        },
      },
      async (request) => this.conversations.list(tenantOf(request), principalOf(request), request.query),
    );

    app.get<{ Params: { id: string } }>(
      '/v1/conversations/:id',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'A conversation with its active path and the alternatives at each branching message',
          params: idParams,
          response: responses({
            200: object({ ...conversationProps, path: { type: 'array', items: messageSchema }, alternatives: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } }),
          }),
        },
      },
      async (request) => this.conversations.detail(tenantOf(request), principalOf(request), request.params.id),
    );

    app.patch<{ Params: { id: string }; Body: { title?: string; activeLeafId?: string } }>(
      '/v1/conversations/:id',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'Rename, or switch the active branch by naming its leaf message',
          params: idParams,
          body: object({ title: { type: 'string', maxLength: 200 }, activeLeafId: uuid }, []),
          response: responses({ 200: object(conversationProps) }),
        },
      },
      async (request) => this.conversations.update(tenantOf(request), principalOf(request), request.params.id, request.body),
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/conversations/:id',
      { config: { access: { permission: 'chat.use' } }, schema: { tags: ['chat'], summary: 'Delete a conversation', params: idParams, response: responses({ 204: { type: 'null' } }) } },
      async (request, reply) => {
        await this.conversations.remove(tenantOf(request), principalOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: { id: string }; Body: { messageId: string } }>(
      '/v1/conversations/:id/fork',
      {
        config: { access: { permission: 'chat.use' } },
        schema: { tags: ['chat'], summary: 'Copy the branch ending at a message into a new conversation', params: idParams, body: object({ messageId: uuid }), response: responses({ 201: object(conversationProps) }) },
      },
      async (request, reply) => reply.code(201).send(await this.conversations.fork(tenantOf(request), principalOf(request), request.params.id, request.body.messageId)),
    );

    app.get<{ Params: { id: string }; Querystring: { format: 'markdown' | 'json'; scope: 'branch' | 'tree' } }>(
      '/v1/conversations/:id/export',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'Export the active branch or the whole tree as Markdown or JSON (artifacts referenced)',
          params: idParams,
          querystring: object({ format: { type: 'string', enum: ['markdown', 'json'], default: 'markdown' }, scope: { type: 'string', enum: ['branch', 'tree'], default: 'branch' } }, []),
        },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        const detail = await this.conversations.detail(tenant, principalOf(request), request.params.id);
        const all = request.query.scope === 'tree' ? [...(await this.conversations.messages(tenant.tenantId, detail.id)).values()] : detail.path;
        const { body, contentType, extension } = exportConversation(detail, all, request.query.format, request.query.scope);
        reply.header('content-disposition', `attachment; filename="conversation-${detail.id}.${extension}"`);
        return reply.type(contentType).send(body);
      },
    );

    app.post<{ Params: { conversationId: string }; Body: SendInput }>(
      '/v1/chat/:conversationId/messages',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'Ask: stores the message and streams the answer as Server-Sent Events (or answers 202 with the turn for Accept: application/json)',
          params: conversationIdParams,
          body: sendBody,
        },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        const started = await this.chat.send(tenant, principalOf(request), request.params.conversationId, request.body, request.ip);
        if (wantsJson(request)) return reply.code(202).send(started);
        this.stream(request, reply, tenant.tenantId, started.conversationId, started.afterSeq, started.turnId);
        return reply;
      },
    );

    app.get<{ Params: { conversationId: string }; Querystring: { after?: number } }>(
      '/v1/chat/:conversationId/events',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'Resume: the events after a sequence number (?after= or Last-Event-ID), then the live rest of the running answer',
          params: conversationIdParams,
          querystring: object({ after: { type: 'integer', minimum: 0 } }, []),
        },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        await this.conversations.get(tenant, principalOf(request), request.params.conversationId);
        const header = Number(request.headers['last-event-id']);
        const after = request.query.after ?? (Number.isInteger(header) ? header : 0);
        this.stream(request, reply, tenant.tenantId, request.params.conversationId, after, null);
        return reply;
      },
    );

    app.post<{ Params: { conversationId: string } }>(
      '/v1/chat/:conversationId/cancel',
      {
        config: { access: { permission: 'chat.use' } },
        schema: { tags: ['chat'], summary: 'Stop the answer being written (the provider stream and pending tool calls)', params: conversationIdParams, response: responses({ 202: object({ cancelled: { type: 'boolean' } }) }) },
      },
      async (request, reply) => {
        await this.conversations.get(tenantOf(request), principalOf(request), request.params.conversationId);
        return reply.code(202).send({ cancelled: this.chat.cancel(request.params.conversationId) });
      },
    );

    app.post<{ Params: { conversationId: string; callId: string }; Body: { approve: boolean } }>(
      '/v1/chat/:conversationId/tool-calls/:callId/decision',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'Approve or deny a tool call that asked for confirmation',
          params: object({ conversationId: uuid, callId: { type: 'string', minLength: 1, maxLength: 200 } }),
          body: object({ approve: { type: 'boolean' } }),
          response: responses({ 200: object({ decided: { type: 'boolean' } }) }),
        },
      },
      async (request) => {
        await this.conversations.get(tenantOf(request), principalOf(request), request.params.conversationId);
        if (!this.approvals.decide(request.params.conversationId, request.params.callId, request.body.approve)) {
          throw new NotFoundError(`No tool call ${request.params.callId} is waiting for a decision.`);
        }
        return { decided: true };
      },
    );
  }
}
