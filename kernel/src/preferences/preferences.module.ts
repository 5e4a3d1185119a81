// Per-user preferences kept by the kernel, per tenant (the workbench saves dashboard layouts here).
import { ContainerModule } from 'inversify';
import { RouteContribution } from '../http/route-contribution.ts';
import { PreferencesRoutes } from './preferences.routes.ts';
import { PreferencesService } from './preferences.service.ts';

export const preferencesModule = new ContainerModule(({ bind }) => {
  bind(PreferencesService).toSelf().inSingletonScope();
  bind(RouteContribution).to(PreferencesRoutes).inSingletonScope();
});
