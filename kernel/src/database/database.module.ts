// Persistence: PostgreSQL (embedded PGlite by default), MikroORM, migrations, tenant-scoped transactions.
import { ContainerModule } from 'inversify';
import { LifecycleContribution } from '../core/lifecycle.ts';
import { Database, PostgresDatabase } from './database.service.ts';

export const databaseModule = new ContainerModule(({ bind }) => {
  bind(PostgresDatabase).toSelf().inSingletonScope();
  bind(Database).toService(PostgresDatabase);
  bind(LifecycleContribution).toService(PostgresDatabase);
});
