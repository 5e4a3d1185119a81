// The workbench's socket: one authenticated socket.io connection per client, scoped to one tenant.
// Clients subscribe to conversations (with the last sequence number they saw, to resume), ask,
// cancel and decide on tool calls. With REDIS_URL, the Redis adapter carries every room's events
// between kernel instances, so a client receives answers produced on any of them.
import { inject, injectable } from 'inversify';
import type { FastifyRequest } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { KernelConfig } from '../config/config.ts';
import { KernelError } from '../core/errors.ts';
import type { Disposable, LifecycleContribution } from '../core/lifecycle.ts';
import { Authenticator, type Principal, type TenantContext } from '../http/access.ts';
import { HttpServer } from '../http/http.server.ts';
import { ChatService, type SendInput } from '../chat/chat.service.ts';
import { ConversationsService } from '../chat/conversations.service.ts';
import { StreamHub } from '../chat/stream-hub.ts';
import { ToolApprovals } from '../chat/tool-approvals.ts';

interface SocketState {
  principal: Principal;
  tenant: TenantContext;
}

type Ack = (response: { ok: true; [key: string]: unknown } | { ok: false; status: number; code: string; detail: string }) => void;

const room = (tenantId: string, conversationId: string) => `t:${tenantId}:c:${conversationId}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@injectable()
export class RealtimeGateway implements LifecycleContribution {
  readonly order = 110;
  private io: Server | undefined;
  private redis: Redis[] = [];
  private tap: Disposable | undefined;

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(HttpServer) private readonly http: HttpServer,
    @inject(Authenticator) private readonly authenticator: Authenticator,
    @inject(ConversationsService) private readonly conversations: ConversationsService,
    @inject(ChatService) private readonly chat: ChatService,
    @inject(StreamHub) private readonly hub: StreamHub,
    @inject(ToolApprovals) private readonly approvals: ToolApprovals,
  ) {}

  async start(): Promise<void> {
    const io = new Server(this.http.app.server, { path: '/socket.io', serveClient: false, cors: { origin: this.config.corsOrigins.length ? this.config.corsOrigins : false, credentials: true } });
    if (this.config.redisUrl) {
      const pub = new Redis(this.config.redisUrl, { lazyConnect: true });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      this.redis = [pub, sub];
      io.adapter(createAdapter(pub, sub, { key: `${this.config.redisPrefix}socket.io` }));
    }
    io.use((socket, next) => {
      this.authenticate(socket).then(
        (state) => {
          socket.data = state;
          next();
        },
        (err: Error) => next(Object.assign(new Error(err.message), { data: { code: err instanceof KernelError ? err.code : 'unauthorized' } })),
      );
    });
    io.on('connection', (socket) => this.serve(socket));
    // Only the instance producing an answer publishes it; the adapter delivers it everywhere.
    this.tap = this.hub.tap((tenantId, event) => void io.to(room(tenantId, event.conversationId)).emit('chat.event', event));
    this.io = io;
  }

  async stop(): Promise<void> {
    this.tap?.dispose();
    await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
    await Promise.all(this.redis.map((r) => r.quit().catch(() => undefined)));
  }

  private async authenticate(socket: Socket): Promise<SocketState> {
    const auth = (socket.handshake.auth ?? {}) as { token?: unknown; tenant?: unknown };
    const headers = { ...socket.handshake.headers } as Record<string, string | undefined>;
    if (typeof auth.token === 'string') headers.authorization = `Bearer ${auth.token}`;
    else if (headers.cookie) {
      // A cookie travels with any page's WebSocket: accept it only from this origin (or allowed ones).
      const origin = headers.origin;
      const host = headers.host;
      if (origin && !this.config.corsOrigins.includes(origin) && new URL(origin).host !== host) throw new Error('Cross-origin socket refused.');
    }
    const cookies = headers.cookie ? this.http.app.parseCookie(headers.cookie) : {};
    const principal = await this.authenticator.authenticate({ headers, cookies } as unknown as FastifyRequest);
    if (!principal) throw new Error('Sign in first: pass auth.token, or connect with the session cookie.');
    const tenant = await this.authenticator.resolveTenant(principal, typeof auth.tenant === 'string' ? auth.tenant : undefined);
    if (!tenant.permissions.has('chat.use')) throw new Error(`Your role in ${tenant.slug} may not chat.`);
    return { principal, tenant };
  }

  private serve(socket: Socket): void {
    const { principal, tenant } = socket.data as SocketState;
    const handle = <T>(event: string, work: (payload: T) => Promise<Record<string, unknown>>) =>
      socket.on(event, (payload: T, ack?: Ack) => {
        work(payload ?? ({} as T)).then(
          (result) => ack?.({ ok: true, ...result }),
          (err: Error) =>
            ack?.({ ok: false, status: err instanceof KernelError ? err.status : 500, code: err instanceof KernelError ? err.code : 'internal', detail: err instanceof KernelError ? err.message : 'Something went wrong on our side.' }),
        );
      });
    const conversationId = (value: unknown): string => {
      if (typeof value !== 'string' || !UUID.test(value)) throw new SocketInputError('conversationId must be a UUID');
      return value;
    };

    handle<{ conversationId?: unknown; after?: unknown }>('subscribe', async (p) => {
      const id = conversationId(p.conversationId);
      await this.conversations.get(tenant, principal, id);
      const after = Number.isInteger(p.after) ? (p.after as number) : this.hub.lastSeq(tenant.tenantId, id);
      // Join and replay in the same tick: nothing published in between can be missed or doubled.
      await socket.join(room(tenant.tenantId, id));
      const replay = this.hub.subscribe(tenant.tenantId, id, after, (event) => socket.emit('chat.event', event));
      replay.dispose();
      return { conversationId: id, lastSeq: this.hub.lastSeq(tenant.tenantId, id), complete: replay.complete, running: this.chat.isRunning(id) };
    });

    handle<{ conversationId?: unknown }>('unsubscribe', async (p) => {
      await socket.leave(room(tenant.tenantId, conversationId(p.conversationId)));
      return {};
    });

    handle<SendInput & { conversationId?: unknown }>('send', async (p) => {
      const id = conversationId(p.conversationId);
      if (typeof p.content !== 'string' || p.content.length === 0 || p.content.length > 100_000) throw new SocketInputError('content must be 1 to 100000 characters');
      const { conversationId: _ignored, ...input } = p;
      const started = await this.chat.send(tenant, principal, id, input, socket.handshake.address);
      return { ...started };
    });

    handle<{ conversationId?: unknown }>('cancel', async (p) => {
      const id = conversationId(p.conversationId);
      await this.conversations.get(tenant, principal, id);
      return { cancelled: this.chat.cancel(id) };
    });

    handle<{ conversationId?: unknown; callId?: unknown; approve?: unknown }>('decide', async (p) => {
      const id = conversationId(p.conversationId);
      await this.conversations.get(tenant, principal, id);
      if (typeof p.callId !== 'string' || typeof p.approve !== 'boolean') throw new SocketInputError('callId (string) and approve (boolean) are required');
      return { decided: this.approvals.decide(id, p.callId, p.approve) };
    });
  }
}

class SocketInputError extends KernelError {
  readonly status = 400;
  readonly code = 'validation';
  readonly title = 'Invalid request';
}
