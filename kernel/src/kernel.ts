// Assembles the kernel from its feature modules (the only place the container is built) and runs
// their start-up and shut-down in order.
import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';
import { KernelConfig } from './config/config.ts';
import { LifecycleContribution } from './core/lifecycle.ts';
import { auditModule } from './audit/audit.module.ts';
import { bootstrapModule } from './bootstrap/bootstrap.module.ts';
import { busModule } from './bus/bus.module.ts';
import { artifactsModule } from './artifacts/artifacts.module.ts';
import { chatModule } from './chat/chat.module.ts';
import { databaseModule } from './database/database.module.ts';
import { datasourcesModule } from './datasources/datasources.module.ts';
import { extensionsModule } from './extensions/extensions.module.ts';
import { healthModule } from './health/health.module.ts';
import { httpModule } from './http/http.module.ts';
import { HttpServer } from './http/http.server.ts';
import { identityModule } from './identity/identity.module.ts';
import { mailModule } from './mail/mail.module.ts';
import { marketplaceModule } from './marketplace/marketplace.module.ts';
import { metricsModule } from './metrics/metrics.module.ts';
import { preferencesModule } from './preferences/preferences.module.ts';
import { rateLimitModule } from './ratelimit/ratelimit.module.ts';
import { realtimeModule } from './realtime/realtime.module.ts';
import { sidecarsModule } from './sidecars/sidecars.module.ts';
import { tenancyModule } from './tenancy/tenancy.module.ts';
import { tokensModule } from './tokens/tokens.module.ts';
import { telemetryModule } from './telemetry/telemetry.module.ts';
import { workbenchModule } from './workbench/workbench.module.ts';

export const KERNEL_MODULES: ContainerModule[] = [
  databaseModule,
  busModule,
  rateLimitModule,
  metricsModule,
  mailModule,
  auditModule,
  identityModule,
  tenancyModule,
  tokensModule,
  preferencesModule,
  marketplaceModule,
  extensionsModule,
  sidecarsModule,
  datasourcesModule,
  artifactsModule,
  chatModule,
  realtimeModule,
  healthModule,
  telemetryModule,
  workbenchModule,
  bootstrapModule,
  httpModule,
];

export interface Kernel {
  readonly container: Container;
  readonly config: KernelConfig;
  /** The HTTP address, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startKernel(config: KernelConfig, extraModules: ContainerModule[] = []): Promise<Kernel> {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(KernelConfig).toConstantValue(config);
  await container.load(...KERNEL_MODULES, ...extraModules);
  const parts = [...container.getAll<LifecycleContribution>(LifecycleContribution)].sort((a, b) => a.order - b.order);
  const started: LifecycleContribution[] = [];
  const stop = async () => {
    for (const part of started.reverse()) await part.stop?.().catch((err: unknown) => console.error('stop failed:', err));
    started.length = 0;
  };
  try {
    for (const part of parts) {
      await part.start?.();
      started.push(part);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { container, config, url: container.get<HttpServer>(HttpServer).url, stop };
}
