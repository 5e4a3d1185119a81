// Liveness, readiness and metrics endpoints for probes and scrapers.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { Database } from '../database/database.service.ts';
import { HttpMetrics } from '../metrics/http-metrics.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object } from '../http/schemas.ts';

const probe = { public: true } as const;

@injectable()
export class HealthRoutes implements RouteContribution {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(HttpMetrics) private readonly metrics: HttpMetrics,
  ) {}

  register(app: FastifyInstance): void {
    app.get(
      '/healthz',
      {
        config: { access: probe, rateLimited: false },
        schema: { tags: ['health'], summary: 'The process is up', response: { 200: object({ status: { type: 'string' } }) } },
      },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/readyz',
      {
        config: { access: probe, rateLimited: false },
        schema: {
          tags: ['health'],
          summary: 'The database is reachable and every migration is applied',
          response: {
            200: object({ status: { type: 'string' }, database: { type: 'string' }, pendingMigrations: { type: 'array', items: { type: 'string' } } }),
            503: object({ status: { type: 'string' }, database: { type: 'string' }, pendingMigrations: { type: 'array', items: { type: 'string' } } }),
          },
        },
      },
      async (_request, reply) => {
        let database = 'ok';
        let pendingMigrations: string[] = [];
        try {
          await this.db.ping();
          pendingMigrations = await this.db.pendingMigrations();
        } catch (err) {
          database = `unreachable: ${(err as Error).message}`;
        }
        const ready = database === 'ok' && pendingMigrations.length === 0;
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', database, pendingMigrations });
      },
    );

    app.get(
      '/metrics',
      { config: { access: probe, rateLimited: false }, schema: { tags: ['health'], summary: 'Prometheus metrics' } },
      async (_request, reply) => {
        reply.type(this.metrics.registry.contentType);
        return this.metrics.registry.metrics();
      },
    );
  }
}
