// Datasources: the registry of named, parameterised queries that extensions may be granted, and the
// built-in `company` datasource with its seeded demo data.
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { CompanySeeder, DemoCompanyData } from './company-seeder.ts';
import { CompanyDatasource } from './company.datasource.ts';
import { DatasourceContribution } from './datasource.ts';
import { DatasourcesRoutes } from './datasources.routes.ts';
import { DatasourceRegistry } from './datasources.service.ts';

export const datasourcesModule = new ContainerModule(({ bind }) => {
  bind(DatasourceContribution).to(CompanyDatasource).inSingletonScope();
  bind(DatasourceRegistry).toSelf().inSingletonScope();
  bind(CompanySeeder).toSelf().inSingletonScope();
  bind(DemoCompanyData).toSelf().inSingletonScope();
  bind(LifecycleContribution).toService(DemoCompanyData);
  bind(RouteContribution).to(DatasourcesRoutes).inSingletonScope();
});
