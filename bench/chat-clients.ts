// The workbench side of bench/chat: N socket.io clients in their own process (so their work does
// not count as the kernel's), each chatting in its own conversation: ask, read the streamed answer,
// think, ask again. Reports every time to first token and every failure to the parent.
import { io as connect, type Socket } from 'socket.io-client';

export interface ClientsJob {
  url: string;
  token: string;
  tenant: string;
  conversations: string[];
  /** How long the clients keep chatting after all are connected. */
  seconds: number;
  /** Mean pause between an answer and the next question (uniform in [0.5, 1.5] × this); 0: none. */
  thinkMs: number;
}

export interface ClientsReport {
  connected: number;
  ttft: number[];
  completed: number;
  errors: Record<string, number>;
  seconds: number;
}

interface ChatEvent {
  seq: number;
  type: string;
  turnId: string;
}

const ANSWER_TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(job: ClientsJob): Promise<Socket> {
  const socket = connect(job.url, { path: '/socket.io', transports: ['websocket'], auth: { token: job.token, tenant: job.tenant }, reconnection: false, forceNew: true, timeout: 60_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function run(job: ClientsJob): Promise<ClientsReport> {
  const errors: Record<string, number> = {};
  const fail = (kind: string) => (errors[kind] = (errors[kind] ?? 0) + 1);
  const ttft: number[] = [];
  let completed = 0;
  // Connect in waves: a real fleet of browsers does not open its sockets in the same millisecond.
  const sockets: (Socket | null)[] = [];
  for (let i = 0; i < job.conversations.length; i += 100) {
    const wave = await Promise.all(job.conversations.slice(i, i + 100).map(() => open(job).catch((err: Error) => (fail(`connect: ${err.message}`), null))));
    sockets.push(...wave);
    if (i === 0 && !wave[0] && wave.every((s) => !s)) break;
  }
  const started = performance.now();
  const deadline = started + job.seconds * 1000;
  await Promise.all(
    sockets.map(async (socket, i) => {
      if (!socket) return;
      const conversationId = job.conversations[i]!;
      const subscribed = (await socket.timeout(ANSWER_TIMEOUT_MS).emitWithAck('subscribe', { conversationId }).catch(() => null)) as { ok: boolean } | null;
      if (!subscribed?.ok) return void fail('subscribe');
      let waiting: { turnId: string | null; t0: number; first: boolean; done: (outcome: string) => void } | null = null;
      socket.on('chat.event', (event: ChatEvent) => {
        if (!waiting || (waiting.turnId && event.turnId !== waiting.turnId)) return;
        if (event.type === 'message.delta' && !waiting.first) {
          waiting.first = true;
          ttft.push(performance.now() - waiting.t0);
        }
        if (event.type === 'message.completed') waiting.done('completed');
        if (event.type === 'message.error' || event.type === 'message.cancelled') waiting.done(event.type);
      });
      socket.on('disconnect', () => waiting?.done('disconnected'));
      // Spread the first questions over one think time, as users arriving at different moments.
      if (job.thinkMs) await sleep(Math.random() * job.thinkMs);
      while (performance.now() < deadline && socket.connected) {
        const outcome = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('timeout'), ANSWER_TIMEOUT_MS);
          waiting = { turnId: null, t0: performance.now(), first: false, done: (o) => (clearTimeout(timer), resolve(o)) };
          const current = waiting;
          socket
            .timeout(ANSWER_TIMEOUT_MS)
            .emitWithAck('send', { conversationId, content: 'hello there' })
            .then((ack: { ok: boolean; turnId?: string; detail?: string }) => {
              if (!ack.ok) current.done(`send: ${ack.detail ?? 'refused'}`);
              else current.turnId = ack.turnId ?? null;
            })
            .catch(() => current.done('send: no ack'));
        });
        waiting = null;
        if (outcome === 'completed') completed++;
        else fail(outcome);
        if (job.thinkMs) await sleep(job.thinkMs * (0.5 + Math.random()));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket?.close();
  return { connected: sockets.filter(Boolean).length, ttft, completed, errors, seconds };
}

process.on('message', (job: ClientsJob) => {
  run(job).then(
    (report) => process.send!(report, () => process.exit(0)),
    (err: Error) => process.send!({ connected: 0, ttft: [], completed: 0, errors: { [err.message]: 1 }, seconds: 0 }, () => process.exit(1)),
  );
});
