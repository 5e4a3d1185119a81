// The workbench's one socket.io connection to the kernel: authenticated by the session cookie,
// scoped to the current tenant, reconnecting on its own. Calls are acknowledged; the answer comes
// back as a promise. Whoever listens to `onConnected` re-subscribes what it had open, so a dropped
// connection loses nothing.
import { io, type Socket } from 'socket.io-client';

export interface AckFailure {
  ok: false;
  status: number;
  code: string;
  detail: string;
}
export type Ack<T> = ({ ok: true } & T) | AckFailure;

/** One event of a conversation's stream, as the kernel publishes it (see docs/chat.md). */
export interface ChatEvent {
  seq: number;
  type:
    | 'message.started'
    | 'message.delta'
    | 'toolCall.requested'
    | 'toolCall.approved'
    | 'toolCall.denied'
    | 'toolCall.started'
    | 'toolCall.finished'
    | 'artifact.created'
    | 'message.completed'
    | 'message.cancelled'
    | 'message.error';
  conversationId: string;
  turnId: string;
  messageId: string;
  data: Record<string, unknown>;
  at: string;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

export class SocketCallError extends Error {
  constructor(readonly failure: AckFailure) {
    super(failure.detail || failure.code);
    this.name = 'SocketCallError';
  }
  get status(): number {
    return this.failure.status;
  }
}

const CALL_TIMEOUT_MS = 30_000;

export class ChatSocket {
  private socket: Socket | null = null;
  private tenant: string | null = null;

  constructor(
    private readonly handlers: {
      onEvent(event: ChatEvent): void;
      /** After the first connection and after every reconnection. */
      onConnected(): void;
      onState(state: ConnectionState): void;
    },
  ) {}

  /** Connects for a tenant; a different tenant means a new connection (the socket is scoped to one). */
  connect(tenant: string): void {
    if (this.socket && this.tenant === tenant) return;
    this.disconnect();
    this.tenant = tenant;
    // WebSocket first (no polling handshake before the upgrade); long polling only where a proxy
    // refuses WebSockets.
    const socket = io({ path: '/socket.io', auth: { tenant }, withCredentials: true, reconnectionDelayMax: 5000, transports: ['websocket', 'polling'], tryAllTransports: true });
    socket.on('connect', () => {
      this.handlers.onState('connected');
      this.handlers.onConnected();
    });
    socket.on('disconnect', (reason) => {
      this.handlers.onState('reconnecting');
      // The server closed the connection on purpose (e.g. a restart): socket.io leaves reconnecting to us.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', () => {
      this.handlers.onState('reconnecting');
      // A refused handshake (session gone, role changed) is not retried by socket.io itself.
      if (!socket.active) window.setTimeout(() => this.socket === socket && socket.connect(), 3000);
    });
    socket.on('chat.event', (event: ChatEvent) => this.handlers.onEvent(event));
    this.handlers.onState('connecting');
    this.socket = socket;
  }

  disconnect(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.tenant = null;
    this.handlers.onState('idle');
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Emits a call and resolves with the kernel's acknowledgement, or rejects with its error. */
  async call<T extends object>(event: string, payload: Record<string, unknown>): Promise<T> {
    const socket = this.socket;
    if (!socket) throw new SocketCallError({ ok: false, status: 0, code: 'offline', detail: '' });
    const answer = (await socket
      .timeout(CALL_TIMEOUT_MS)
      .emitWithAck(event, payload)
      .catch(() => ({ ok: false, status: 0, code: 'timeout', detail: '' }))) as Ack<T>;
    if (!answer.ok) throw new SocketCallError(answer);
    return answer;
  }
}
