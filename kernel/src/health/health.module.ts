// Liveness (/healthz), readiness (/readyz) and Prometheus (/metrics) endpoints.
import { ContainerModule } from 'inversify';
import { RouteContribution } from '../http/route-contribution.ts';
import { HealthRoutes } from './health.routes.ts';

export const healthModule = new ContainerModule(({ bind }) => {
  bind(RouteContribution).to(HealthRoutes).inSingletonScope();
});
