// Prometheus metrics for the HTTP layer and the process, served at GET /metrics.
import { ContainerModule } from 'inversify';
import { HttpMetrics } from './http-metrics.ts';

export const metricsModule = new ContainerModule(({ bind }) => {
  bind(HttpMetrics).toSelf().inSingletonScope();
});
