// First start on an empty database: a platform administrator (from PENNY_ADMIN_EMAIL and
// PENNY_ADMIN_PASSWORD, or generated and written to a 0600 file under the data dir) and a demo tenant.
import { inject, injectable } from 'inversify';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KernelConfig } from '../config/config.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { AuditLog } from '../audit/audit.service.ts';
import { Database } from '../database/database.service.ts';
import { hashPassword } from '../identity/password.ts';
import { TenantsService } from '../tenancy/tenants.service.ts';

export interface FirstStartResult {
  adminEmail: string;
  credentialsFile: string | null;
}

@injectable()
export class FirstStart implements LifecycleContribution {
  readonly order = 30;
  result: FirstStartResult | null = null;

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(TenantsService) private readonly tenants: TenantsService,
  ) {}

  async start(): Promise<void> {
    const [row] = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM app_user`);
    if (Number(row?.n ?? 0) > 0) return;
    const email = (this.config.adminEmail ?? 'admin@penny.local').toLowerCase();
    const generated = !this.config.adminPassword;
    const password = this.config.adminPassword ?? randomBytes(18).toString('base64url');
    const passwordHash = await hashPassword(password, this.config.scryptCost);
    const adminId = await this.db.system(async (em) => {
      const [u] = await em.execute<{ id: string }[]>(
        `INSERT INTO app_user (email, password_hash, display_name, is_platform_admin) VALUES (?, ?, 'Administrator', true)
         ON CONFLICT DO NOTHING RETURNING id`,
        [email, passwordHash],
      );
      if (u) await this.audit.append(em, { tenantId: null, actorId: u.id, actor: 'system', action: 'platform.adminCreated', target: `user:${u.id}`, payload: { email } });
      return u?.id ?? null;
    });
    if (!adminId) return; // another instance won the race
    if (this.config.demoTenant) {
      await this.tenants.create({ slug: 'demo', name: 'Demo Company', adminUserId: adminId }, { id: null, label: 'system' });
    }
    let credentialsFile: string | null = null;
    if (generated) {
      await fs.mkdir(this.config.dataDir, { recursive: true });
      credentialsFile = path.join(this.config.dataDir, 'admin-credentials.txt');
      await fs.writeFile(credentialsFile, `email: ${email}\npassword: ${password}\n`, { mode: 0o600 });
      await fs.chmod(credentialsFile, 0o600);
    }
    this.result = { adminEmail: email, credentialsFile };
    console.log(
      credentialsFile
        ? `Created the platform administrator ${email}; the generated password is in ${credentialsFile} (readable only by you).`
        : `Created the platform administrator ${email} with the password from PENNY_ADMIN_PASSWORD.`,
    );
  }
}
