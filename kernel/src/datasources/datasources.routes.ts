// HTTP routes of the datasource registry: what can be queried (for admins deciding on grants) and
// (re)seeding a tenant's demo company data.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object, responses } from '../http/schemas.ts';
import { DEFAULT_COMPANY_MONTHS } from './company-data.ts';
import { CompanySeeder } from './company-seeder.ts';
import { DatasourceRegistry } from './datasources.service.ts';

interface SeedBody {
  seed?: number;
  months?: number;
  endMonth?: string;
}

@injectable()
export class DatasourcesRoutes implements RouteContribution {
  constructor(
    @inject(DatasourceRegistry) private readonly registry: DatasourceRegistry,
    @inject(CompanySeeder) private readonly seeder: CompanySeeder,
  ) {}

  register(app: FastifyInstance): void {
    app.get(
      '/v1/datasources',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: {
          tags: ['datasources'],
          summary: 'The datasources extensions may be granted, with their named queries and parameter schemas',
          response: responses({
            200: {
              type: 'array',
              items: object({
                name: { type: 'string' },
                description: { type: 'string' },
                queries: {
                  type: 'array',
                  items: object({
                    name: { type: 'string' },
                    description: { type: 'string' },
                    parameters: { type: 'object', additionalProperties: true },
                  }),
                },
              }),
            },
          }),
        },
      },
      async () => this.registry.list(),
    );

    app.post<{ Body: SeedBody }>(
      '/v1/datasources/company/seed',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags: ['datasources'],
          summary: "Replace the tenant's company data with the generated demo dataset (deterministic for a seed)",
          body: object(
            {
              seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
              months: { type: 'integer', minimum: 1, maximum: 60, default: DEFAULT_COMPANY_MONTHS },
              endMonth: { type: 'string', pattern: '^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$' },
            },
            [],
          ),
          response: responses({
            200: object({
              seeded: { type: 'boolean' },
              seed: { type: 'integer' },
              businessUnits: { type: 'integer' },
              projects: { type: 'integer' },
              facts: { type: 'integer' },
              from: { type: 'string' },
              to: { type: 'string' },
            }),
          }),
        },
      },
      async (request) => {
        const actor = principalOf(request);
        return this.seeder.seed(tenantOf(request).tenantId, { id: actor.userId, label: actor.email, ip: request.ip }, request.body ?? {});
      },
    );
  }
}
