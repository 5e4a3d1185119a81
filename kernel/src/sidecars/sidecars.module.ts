// Sidecars: native helper processes that extensions declare, supervised per tenant and extension.
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { Sidecars } from './sidecars.service.ts';

export const sidecarsModule = new ContainerModule(({ bind }) => {
  bind(Sidecars).toSelf().inSingletonScope();
  bind(LifecycleContribution).toService(Sidecars);
});
