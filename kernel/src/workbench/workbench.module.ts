// The workbench: serves the built Vue SPA on the kernel's own port, so one origin carries the UI and
// the API (cookies, CSRF and the CSP stay simple).
import { ContainerModule } from 'inversify';
import { RouteContribution } from '../http/route-contribution.ts';
import { loadWorkbenchConfig, WorkbenchConfig } from './workbench.config.ts';
import { WorkbenchRoutes } from './workbench.routes.ts';

export const workbenchModule = new ContainerModule(({ bind }) => {
  bind(WorkbenchConfig).toConstantValue(loadWorkbenchConfig(process.env));
  bind(RouteContribution).to(WorkbenchRoutes).inSingletonScope();
});
