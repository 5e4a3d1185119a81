// The event bus: in process, and across kernel instances over Redis pub/sub when REDIS_URL is set.
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { EventBus, KernelEventBus } from './event-bus.ts';

export const busModule = new ContainerModule(({ bind }) => {
  bind(KernelEventBus).toSelf().inSingletonScope();
  bind(EventBus).toService(KernelEventBus);
  bind(LifecycleContribution).toService(KernelEventBus);
});
