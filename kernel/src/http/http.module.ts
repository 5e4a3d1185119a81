// The HTTP server and its cross-cutting behaviour (validation, problems, auth, limits).
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { HttpServer, KernelHttpServer } from './http.server.ts';

export const httpModule = new ContainerModule(({ bind }) => {
  bind(KernelHttpServer).toSelf().inSingletonScope();
  bind(HttpServer).toService(KernelHttpServer);
  bind(LifecycleContribution).toService(KernelHttpServer);
});
