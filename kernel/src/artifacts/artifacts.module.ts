// The artifact registry (immutable versions with lineage) and its object store.
import { ContainerModule } from 'inversify';
import { RouteContribution } from '../http/route-contribution.ts';
import { ArtifactsRoutes } from './artifacts.routes.ts';
import { ArtifactsService } from './artifacts.service.ts';
import { KernelConfig } from '../config/config.ts';
import { LocalObjectStore, ObjectStore, S3ObjectStore } from './object-store.ts';
import { ShareRoutes } from './shares.routes.ts';
import { ArtifactShares } from './shares.service.ts';

export const artifactsModule = new ContainerModule(({ bind }) => {
  bind(ObjectStore)
    .toDynamicValue((context) => {
      const config = context.get<KernelConfig>(KernelConfig);
      return config.objectStore.kind === 's3' ? new S3ObjectStore(config) : new LocalObjectStore(config);
    })
    .inSingletonScope();
  bind(ArtifactsService).toSelf().inSingletonScope();
  bind(RouteContribution).to(ArtifactsRoutes).inSingletonScope();
  bind(ArtifactShares).toSelf().inSingletonScope();
  bind(RouteContribution).to(ShareRoutes).inSingletonScope();
});
