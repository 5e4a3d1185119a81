// `npm run audit:verify -w @penny/kernel [-- --tenant <slug|id>]`: recomputes the audit hash chains
// (every tenant's and the platform's) straight from the database and exits non-zero on tampering.
// With the embedded database, run it while the kernel is stopped (PGlite allows one process).
import 'reflect-metadata';
import { Container, ContainerModule } from 'inversify';
import { parseArgs } from 'node:util';
import { KernelConfig, loadConfig } from '../config/config.ts';
import { AuditLog, HashChainAuditLog } from '../audit/audit.service.ts';
import { databaseModule } from '../database/database.module.ts';
import { Database, EntityContribution, PostgresDatabase } from '../database/database.service.ts';

export async function verifyAuditChains(config: KernelConfig, tenant?: string): Promise<{ ok: boolean; lines: string[] }> {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(KernelConfig).toConstantValue(config);
  await container.load(
    databaseModule,
    new ContainerModule(({ bind }) => {
      bind(EntityContribution).toConstantValue({ entities: [] });
      bind(AuditLog).to(HashChainAuditLog);
    }),
  );
  const database = container.get<PostgresDatabase>(PostgresDatabase);
  await database.start();
  try {
    const db = container.get<Database>(Database);
    const audit = container.get<AuditLog>(AuditLog);
    const tenants = await db.system((em) =>
      em.execute<{ id: string; slug: string }[]>(
        tenant ? `SELECT id, slug FROM tenant WHERE slug = ? OR id::text = ?` : `SELECT id, slug FROM tenant ORDER BY slug`,
        tenant ? [tenant, tenant] : [],
      ),
    );
    if (tenant && tenants.length === 0) return { ok: false, lines: [`no tenant "${tenant}"`] };
    const chains: { label: string; id: string | null }[] = tenant ? [] : [{ label: 'platform', id: null }];
    chains.push(...tenants.map((t) => ({ label: `tenant ${t.slug}`, id: t.id })));
    const lines: string[] = [];
    let ok = true;
    for (const chain of chains) {
      const result = await audit.verify(chain.id);
      ok &&= result.ok;
      lines.push(`${result.ok ? 'ok      ' : 'TAMPERED'} ${chain.label}: ${result.events} events, head at ${result.headSeq}`);
      for (const p of result.problems) lines.push(`         event ${p.seq}: ${p.reason}`);
    }
    return { ok, lines };
  } finally {
    await database.stop();
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/src\//, '/src/'));
if (isMain) {
  const { values } = parseArgs({ options: { tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('Usage: audit-verify [--tenant <slug|id>]\nVerifies the audit hash chains in DATABASE_URL, or in the embedded database under PENNY_DATA_DIR.');
    process.exit(0);
  }
  verifyAuditChains(loadConfig(), values.tenant).then(
    ({ ok, lines }) => {
      for (const line of lines) console.log(line);
      process.exit(ok ? 0 : 1);
    },
    (err: unknown) => {
      console.error(`audit verification failed to run: ${(err as Error).message}`);
      process.exit(2);
    },
  );
}
