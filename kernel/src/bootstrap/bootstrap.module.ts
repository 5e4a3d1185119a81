// First-start provisioning of the platform administrator and the demo tenant.
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { FirstStart } from './first-start.ts';

export const bootstrapModule = new ContainerModule(({ bind }) => {
  bind(FirstStart).toSelf().inSingletonScope();
  bind(LifecycleContribution).toService(FirstStart);
});
