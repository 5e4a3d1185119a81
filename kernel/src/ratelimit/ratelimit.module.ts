// Rate limits and sign-in throttling (counters in process, or in Redis when REDIS_URL is set).
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { KernelRateLimiter, RateLimiter } from './rate-limiter.ts';

export const rateLimitModule = new ContainerModule(({ bind }) => {
  bind(KernelRateLimiter).toSelf().inSingletonScope();
  bind(RateLimiter).toService(KernelRateLimiter);
  bind(LifecycleContribution).toService(KernelRateLimiter);
});
