// The marketplace: publisher keys, the catalog of signed bundles, per-tenant trust, policy and
// installations, offline mirrors, and the built-in extensions published through the same path.
import { ContainerModule } from 'inversify';
import { KernelConfig } from '../config/config.ts';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { BuiltinExtensions } from './builtin-extensions.ts';
import { Catalog } from './catalog.service.ts';
import { InstallReview } from './install-review.ts';
import { InstallationRoutes } from './installations.routes.ts';
import { Installations } from './installations.service.ts';
import { MarketplaceConfig } from './marketplace.config.ts';
import { MarketplaceRoutes } from './marketplace.routes.ts';
import { MirrorImportAtStart, OfflineMirror } from './offline-mirror.ts';
import { TenantPolicies } from './policy.service.ts';
import { PublisherKeys } from './publisher-keys.service.ts';

export const marketplaceModule = new ContainerModule(({ bind }) => {
  bind(MarketplaceConfig)
    .toDynamicValue((context) => context.get<KernelConfig>(KernelConfig).marketplace)
    .inSingletonScope();
  bind(PublisherKeys).toSelf().inSingletonScope();
  bind(Catalog).toSelf().inSingletonScope();
  bind(InstallReview).toSelf().inSingletonScope();
  bind(Installations).toSelf().inSingletonScope();
  bind(TenantPolicies).toSelf().inSingletonScope();
  bind(OfflineMirror).toSelf().inSingletonScope();
  bind(BuiltinExtensions).toSelf().inSingletonScope();
  bind(MirrorImportAtStart).toSelf().inSingletonScope();
  bind(LifecycleContribution).toService(BuiltinExtensions);
  bind(LifecycleContribution).toService(MirrorImportAtStart);
  bind(RouteContribution).to(MarketplaceRoutes).inSingletonScope();
  bind(RouteContribution).to(InstallationRoutes).inSingletonScope();
});
