// The one tenant-isolation policy every tenant-owned table gets: rows are visible to, and may be
// written by, the transaction's tenant only. `current_setting` returns '' once the setting has been
// used in an earlier transaction, hence the NULLIF.
export const CURRENT_TENANT = `NULLIF(current_setting('app.tenant_id', true), '')::uuid`;

export function tenantIsolation(tables: readonly string[]): string {
  return tables
    .map(
      (table) => `
      ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
      CREATE POLICY ${table}_tenant_isolation ON ${table}
        USING (tenant_id = ${CURRENT_TENANT}) WITH CHECK (tenant_id = ${CURRENT_TENANT});`,
    )
    .join('\n');
}
