// Human-in-the-loop confirmation for tools flagged `confirm`: the turn waits until the user
// approves or denies the call (over HTTP or the socket), or until the wait times out (denied).
import { injectable } from 'inversify';

const WAIT_MS = 5 * 60_000;

@injectable()
export class ToolApprovals {
  private readonly pending = new Map<string, (approved: boolean) => void>();

  wait(conversationId: string, callId: string, signal: AbortSignal, timeoutMs = WAIT_MS): Promise<boolean> {
    const key = `${conversationId}/${callId}`;
    return new Promise<boolean>((resolve) => {
      const done = (approved: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.pending.delete(key);
        resolve(approved);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(key, done);
    });
  }

  /** False when no call with that id is waiting (already decided, timed out, or never asked). */
  decide(conversationId: string, callId: string, approved: boolean): boolean {
    const resolve = this.pending.get(`${conversationId}/${callId}`);
    resolve?.(approved);
    return resolve !== undefined;
  }
}
