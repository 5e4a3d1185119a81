// Features contribute HTTP routes by binding this; the server registers them all.
import type { FastifyInstance } from 'fastify';

export interface RouteContribution {
  register(app: FastifyInstance): void | Promise<void>;
}
export const RouteContribution = Symbol('RouteContribution');
