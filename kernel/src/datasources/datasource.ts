// What a datasource is to the kernel: a name and a fixed set of named, parameterised queries.
// Extensions choose a query by name and pass parameters; they never send SQL.
import type { DatasourceResult, JsonValue } from '@penny/manifests';
import type { EntityManager } from '../database/database.service.ts';

export interface NamedQuery {
  readonly description: string;
  /** JSON Schema (`type: object`) of the parameters; checked before `run` is called. */
  readonly parameters: Record<string, unknown>;
  /** Runs inside the caller's tenant transaction, so row-level security scopes every statement. */
  run(em: EntityManager, params: Record<string, JsonValue>): Promise<DatasourceResult>;
}

/** Features contribute datasources by binding this; the registry collects them all. */
export interface DatasourceContribution {
  readonly name: string;
  readonly description: string;
  readonly queries: Readonly<Record<string, NamedQuery>>;
}
export const DatasourceContribution = Symbol('DatasourceContribution');
