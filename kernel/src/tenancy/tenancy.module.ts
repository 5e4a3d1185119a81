// Tenancy: tenants, members and roles, invitations, workspaces.
import { ContainerModule } from 'inversify';
import { EntityContribution } from '../database/database.service.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { InvitationsService } from './invitations.service.ts';
import { InvitationSchema, MembershipSchema, TenantSchema, WorkspaceSchema } from './tenancy.entities.ts';
import { TenancyRoutes } from './tenancy.routes.ts';
import { TenantSettingsRoutes } from './tenant-settings.routes.ts';
import { TenantSettings } from './tenant-settings.service.ts';
import { TenantsService } from './tenants.service.ts';
import { WorkspacesService } from './workspaces.service.ts';

export const tenancyModule = new ContainerModule(({ bind }) => {
  bind(EntityContribution).toConstantValue({ entities: [TenantSchema, MembershipSchema, WorkspaceSchema, InvitationSchema] });
  bind(TenantsService).toSelf().inSingletonScope();
  bind(InvitationsService).toSelf().inSingletonScope();
  bind(WorkspacesService).toSelf().inSingletonScope();
  bind(RouteContribution).to(TenancyRoutes).inSingletonScope();
  bind(TenantSettings).toSelf().inSingletonScope();
  bind(RouteContribution).to(TenantSettingsRoutes).inSingletonScope();
});
