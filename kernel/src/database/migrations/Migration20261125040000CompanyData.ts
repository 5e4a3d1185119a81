// The built-in `company` datasource: business units, their projects and monthly facts per project,
// owned by each tenant. Business-unit and company figures are sums over projects, never stored, so
// they cannot drift apart.
import { Migration } from '@mikro-orm/migrations';
import { tenantIsolation } from './row-level-security.ts';

export const COMPANY_TENANT_TABLES = ['company_business_unit', 'company_project', 'company_monthly_fact'];


export class Migration20261125040000CompanyData extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE company_business_unit (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        id text NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE TABLE company_project (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        id text NOT NULL,
        business_unit_id text NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, business_unit_id) REFERENCES company_business_unit (tenant_id, id) ON DELETE CASCADE
      );
      CREATE TABLE company_monthly_fact (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        project_id text NOT NULL,
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        revenue integer NOT NULL,
        costs integer NOT NULL,
        budget integer NOT NULL,
        headcount integer NOT NULL CHECK (headcount >= 0),
        hires integer NOT NULL CHECK (hires >= 0),
        departures integer NOT NULL CHECK (departures >= 0),
        pipeline integer NOT NULL CHECK (pipeline >= 0),
        incidents integer NOT NULL CHECK (incidents >= 0),
        PRIMARY KEY (tenant_id, project_id, month),
        FOREIGN KEY (tenant_id, project_id) REFERENCES company_project (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX company_monthly_fact_month_idx ON company_monthly_fact (tenant_id, month);`);
    const policies = tenantIsolation(COMPANY_TENANT_TABLES);
    this.addSql(`
      ${policies}
      GRANT SELECT, INSERT, DELETE ON ${COMPANY_TENANT_TABLES.join(', ')} TO penny_app;`);
  }
}
