// The hash-chained, append-only audit log and its routes.
import { ContainerModule } from 'inversify';
import { RouteContribution } from '../http/route-contribution.ts';
import { AuditRoutes } from './audit.routes.ts';
import { AuditLog, HashChainAuditLog } from './audit.service.ts';

export const auditModule = new ContainerModule(({ bind }) => {
  bind(AuditLog).to(HashChainAuditLog).inSingletonScope();
  bind(RouteContribution).to(AuditRoutes).inSingletonScope();
});
