// Running extensions: the per-tenant host supervisor, the contribution registry, tool invocation,
// and the kernel side of the host protocol (storage, secrets, logs).
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { ContributionRegistry } from './contributions.ts';
import { ExtensionBrowserRoutes } from './extension-browser.routes.ts';
import { ExtensionHosts } from './extension-hosts.ts';
import { ExtensionsRoutes } from './extensions.routes.ts';
import { HostKernelApi } from './host-kernel-api.ts';
import { InstalledExtensions } from './installed-extensions.ts';
import { ProviderEnvironment } from './provider-environment.ts';
import { SecretBox } from './secret-box.ts';
import { ToolsService } from './tools.service.ts';

export const extensionsModule = new ContainerModule(({ bind }) => {
  bind(SecretBox).toSelf().inSingletonScope();
  bind(ProviderEnvironment).toSelf().inSingletonScope();
  bind(InstalledExtensions).toSelf().inSingletonScope();
  bind(ContributionRegistry).toSelf().inSingletonScope();
  bind(HostKernelApi).toSelf().inSingletonScope();
  bind(ExtensionHosts).toSelf().inSingletonScope();
  bind(LifecycleContribution).toService(ExtensionHosts);
  bind(ToolsService).toSelf().inSingletonScope();
  bind(RouteContribution).to(ExtensionsRoutes).inSingletonScope();
  bind(RouteContribution).to(ExtensionBrowserRoutes).inSingletonScope();
});
