// The registry of datasources: finds a named query, checks its parameters, runs it as the tenant
// (row-level security applies) and audits the access in the same transaction.
import { inject, injectable, multiInject } from 'inversify';
import { Ajv, type ValidateFunction } from 'ajv';
import { describeFieldErrors, fieldErrors } from '../core/schema-errors.ts';
import { pennyError, type DatasourceResult, type JsonValue } from '@penny/manifests';
import { AuditLog } from '../audit/audit.service.ts';
import { Database } from '../database/database.service.ts';
import { DatasourceContribution, type NamedQuery } from './datasource.ts';

/** Results are for models and charts, not exports: more rows than this are cut and flagged. */
export const MAX_DATASOURCE_ROWS = 5_000;

export interface DatasourceQuery {
  datasource: string;
  query: string;
  params?: JsonValue[] | Record<string, JsonValue>;
  /** Who asked: the extension, and the user whose call it was serving, when there was one. */
  extensionId: string;
  userId?: string;
}

export interface DatasourceDescription {
  name: string;
  description: string;
  queries: { name: string; description: string; parameters: Record<string, unknown> }[];
}

@injectable()
export class DatasourceRegistry {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
  private readonly validators = new Map<NamedQuery, ValidateFunction>();
  private readonly byName: Map<string, DatasourceContribution>;

  constructor(
    @multiInject(DatasourceContribution) contributions: DatasourceContribution[],
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
  ) {
    this.byName = new Map(contributions.map((c) => [c.name, c]));
  }

  list(): DatasourceDescription[] {
    return [...this.byName.values()]
      .map((d) => ({
        name: d.name,
        description: d.description,
        queries: Object.entries(d.queries).map(([name, q]) => ({ name, description: q.description, parameters: q.parameters })),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private resolve(datasource: string, query: string): NamedQuery {
    const source = this.byName.get(datasource);
    if (!source)
      throw pennyError('NotFound', `no datasource named "${datasource}"; known: ${[...this.byName.keys()].join(', ') || 'none'}`);
    const named = Object.hasOwn(source.queries, query) ? source.queries[query] : undefined;
    if (!named)
      throw pennyError(
        'NotFound',
        `datasource "${datasource}" has no query "${query}"; its queries are ${Object.keys(source.queries).join(', ')}`,
      );
    return named;
  }

  private check(named: NamedQuery, label: string, params: DatasourceQuery['params']): Record<string, JsonValue> {
    if (Array.isArray(params)) throw pennyError('InvalidArguments', `${label} takes named parameters (an object), not a list`);
    const args = params ?? {};
    let validate = this.validators.get(named);
    if (!validate) this.validators.set(named, (validate = this.ajv.compile(named.parameters)));
    if (!validate(args)) {
      const errors = fieldErrors(validate.errors, 'params', { unknownMember: (member) => `has an unknown member "${member}"`, listAllowedValues: true });
      throw pennyError('InvalidArguments', `invalid parameters for ${label}: ${describeFieldErrors(errors)}`);
    }
    return args;
  }

  async query(tenantId: string, request: DatasourceQuery): Promise<DatasourceResult> {
    const label = `${request.datasource}/${request.query}`;
    const named = this.resolve(request.datasource, request.query);
    const params = this.check(named, label, request.params);
    return this.db.tenant(tenantId, async (em) => {
      const result = await named.run(em, params);
      // Same transaction as the read: one extra insert, and no access goes unrecorded.
      await this.audit.append(em, {
        tenantId,
        actorId: request.userId ?? null,
        actor: `extension:${request.extensionId}`,
        action: 'datasource.queried',
        target: `datasource:${label}`,
        payload: { extensionId: request.extensionId, datasource: request.datasource, query: request.query, params },
      });
      if (result.rows.length <= MAX_DATASOURCE_ROWS) return result;
      return { ...result, rows: result.rows.slice(0, MAX_DATASOURCE_ROWS), truncated: true };
    });
  }
}
