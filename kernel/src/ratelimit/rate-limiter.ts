// Fixed-window counters for rate limits and sign-in throttling: in process by default, in Redis
// when REDIS_URL is set so that every kernel instance counts against the same budget.
import { inject, injectable } from 'inversify';
import { Redis } from 'ioredis';
import { KernelConfig } from '../config/config.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';

export interface WindowCount {
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateLimiter {
  /** Adds one to `key`'s counter for the current window and returns the new count. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  peek(key: string): Promise<WindowCount>;
  reset(key: string): Promise<void>;
}
export const RateLimiter = Symbol('RateLimiter');

// INCR and set the expiry on first use, atomically; returns [count, pttl].
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

@injectable()
export class KernelRateLimiter implements RateLimiter, LifecycleContribution {
  readonly order = 20;
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private redis: Redis | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(@inject(KernelConfig) private readonly config: KernelConfig) {}

  async start(): Promise<void> {
    if (this.config.redisUrl) {
      this.redis = new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
      await this.redis.connect();
      return;
    }
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    }, 30_000);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.redis?.quit().catch(() => undefined);
    this.redis = undefined;
  }

  private key(key: string): string {
    return `${this.config.redisPrefix}rl:${key}`;
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    if (this.redis) {
      const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, this.key(key), windowMs)) as [number, number];
      return { count, resetMs: ttl };
    }
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) this.windows.set(key, (w = { count: 0, resetAt: now + windowMs }));
    w.count++;
    return { count: w.count, resetMs: w.resetAt - now };
  }

  async peek(key: string): Promise<WindowCount> {
    if (this.redis) {
      const [count, ttl] = await Promise.all([this.redis.get(this.key(key)), this.redis.pttl(this.key(key))]);
      return { count: Number(count ?? 0), resetMs: Math.max(0, ttl) };
    }
    const w = this.windows.get(key);
    const now = Date.now();
    return !w || w.resetAt <= now ? { count: 0, resetMs: 0 } : { count: w.count, resetMs: w.resetAt - now };
  }

  async reset(key: string): Promise<void> {
    if (this.redis) await this.redis.del(this.key(key));
    else this.windows.delete(key);
  }
}
