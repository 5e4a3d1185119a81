// Front-end telemetry: tells the workbench where to report (or not), and collects Faro reports
// into the kernel's Prometheus metrics and log when PENNY_TELEMETRY=kernel.
import { ContainerModule } from 'inversify';
import { KernelConfig } from '../config/config.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { FrontendMetrics } from './frontend-metrics.ts';
import { TelemetryConfig } from './telemetry.config.ts';
import { TelemetryRoutes } from './telemetry.routes.ts';

export const telemetryModule = new ContainerModule(({ bind }) => {
  bind(TelemetryConfig)
    .toDynamicValue((context) => context.get<KernelConfig>(KernelConfig).telemetry)
    .inSingletonScope();
  bind(FrontendMetrics).toSelf().inSingletonScope();
  bind(RouteContribution).to(TelemetryRoutes).inSingletonScope();
});
