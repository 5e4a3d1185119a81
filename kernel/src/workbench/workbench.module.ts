// The workbench: serves the built Vue SPA on the kernel's own port, so one origin carries the UI and
// the API (cookies, CSRF and the CSP stay simple).
import { ContainerModule } from 'inversify';
import { KernelConfig } from '../config/config.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { WorkbenchConfig } from './workbench.config.ts';
import { WorkbenchRoutes } from './workbench.routes.ts';

export const workbenchModule = new ContainerModule(({ bind }) => {
  bind(WorkbenchConfig)
    .toDynamicValue((context) => context.get<KernelConfig>(KernelConfig).workbench)
    .inSingletonScope();
  bind(RouteContribution).to(WorkbenchRoutes).inSingletonScope();
});
