// The socket.io gateway for the workbench (Redis adapter across instances when REDIS_URL is set).
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { RealtimeGateway } from './realtime.gateway.ts';

export const realtimeModule = new ContainerModule(({ bind }) => {
  bind(RealtimeGateway).toSelf().inSingletonScope();
  bind(LifecycleContribution).toService(RealtimeGateway);
});
