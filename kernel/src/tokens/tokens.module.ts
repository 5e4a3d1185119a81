// Personal access tokens.
import { ContainerModule } from 'inversify';
import { EntityContribution } from '../database/database.service.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { ApiTokenSchema } from './api-token.entity.ts';
import { TokensRoutes } from './tokens.routes.ts';
import { TokensService } from './tokens.service.ts';

export const tokensModule = new ContainerModule(({ bind }) => {
  bind(EntityContribution).toConstantValue({ entities: [ApiTokenSchema] });
  bind(TokensService).toSelf().inSingletonScope();
  bind(RouteContribution).to(TokensRoutes).inSingletonScope();
});
