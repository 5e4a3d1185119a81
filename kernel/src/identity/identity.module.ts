// Identity: local accounts, sessions, bearer tokens, request authentication and tenant choice.
import { ContainerModule } from 'inversify';
import { EntityContribution } from '../database/database.service.ts';
import { Authenticator } from '../http/access.ts';
import { RouteContribution } from '../http/route-contribution.ts';
import { AuthRoutes } from './auth.routes.ts';
import { AuthService } from './auth.service.ts';
import { SessionSchema, UserSchema } from './identity.entities.ts';

export const identityModule = new ContainerModule(({ bind }) => {
  bind(EntityContribution).toConstantValue({ entities: [UserSchema, SessionSchema] });
  bind(AuthService).toSelf().inSingletonScope();
  bind(Authenticator).toService(AuthService);
  bind(RouteContribution).to(AuthRoutes).inSingletonScope();
});
