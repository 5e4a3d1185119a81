// The audit chain detects a modified, a deleted and a truncated event, over HTTP and from the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { Database } from '../src/database/database.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, createTestDatabase, startTestKernel, type TestDatabase, type TestKernel } from './harness.ts';

const run = promisify(execFile);
const kernelDir = path.resolve(import.meta.dirname, '..');

async function cli(db: TestDatabase, args: string[] = []) {
  try {
    const { stdout } = await run(process.execPath, ['--no-node-snapshot', '--import', 'tsx', 'src/cli/audit-verify.ts', ...args], {
      cwd: kernelDir,
      env: { ...process.env, PENNY_DATA_DIR: db.dataDir, DATABASE_URL: db.url ?? '' },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout + e.stderr };
  }
}

describe('audit log tamper detection', () => {
  let db: TestDatabase;
  let k: TestKernel;
  let admin: Api;

  beforeAll(async () => {
    db = await createTestDatabase();
    k = await startTestKernel({ database: db });
    admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    for (const name of ['one', 'two', 'three', 'four']) await admin.post('/v1/workspaces', { name });
  });
  afterAll(async () => {
    await k?.stop();
    await db?.drop();
  });

  /** What an attacker with direct database access would do (the trigger stops everyone else). */
  async function tamper(sql: string) {
    const database = k.kernel.container.get<Database>(Database);
    await database.system(async (em) => {
      await em.execute('ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update');
      await em.execute(sql);
      await em.execute('ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update');
    });
  }

  it('verifies an untouched chain, over HTTP and from the CLI', async () => {
    const verify = await admin.get('/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, problems: [] });
    expect(verify.body.events).toBeGreaterThanOrEqual(5);
  });

  it('pages through events newest first and filters by action', async () => {
    const page1 = await admin.get('/v1/audit?limit=2');
    expect(page1.body.items).toHaveLength(2);
    const page2 = await admin.get(`/v1/audit?limit=2&before=${page1.body.nextCursor}`);
    expect(page2.body.items[0].seq).toBe(page1.body.items[1].seq - 1);
    const created = await admin.get('/v1/audit?action=workspace.created');
    expect(created.body.items).toHaveLength(4);
  });

  it('detects a modified event', async () => {
    const demo = (await admin.get('/v1/tenant')).body.id;
    await tamper(`UPDATE audit_event SET actor = 'someone-else' WHERE tenant_id = '${demo}' AND seq = 2`);
    const verify = await admin.get('/v1/audit/verify');
    expect(verify.body.ok).toBe(false);
    expect(verify.body.problems).toContainEqual({ seq: 2, reason: expect.stringContaining('modified') });
  });

  it('detects a deleted event and a truncated tail', async () => {
    const demo = (await admin.get('/v1/tenant')).body.id;
    await tamper(`DELETE FROM audit_event WHERE tenant_id = '${demo}' AND seq = 3`);
    let verify = await admin.get('/v1/audit/verify');
    expect(verify.body.problems).toContainEqual({ seq: 3, reason: expect.stringContaining('missing') });
    await tamper(`DELETE FROM audit_event WHERE tenant_id = '${demo}' AND seq = (SELECT max(seq) FROM audit_event WHERE tenant_id = '${demo}')`);
    verify = await admin.get('/v1/audit/verify');
    expect(verify.body.problems.some((p: { reason: string }) => p.reason.includes('removed'))).toBe(true);
  });

  it('reports the tampering from the CLI with a non-zero exit', async () => {
    await k.stop();
    const all = await cli(db);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/ok +platform/);
    expect(all.stdout).toMatch(/TAMPERED tenant demo/);
    const one = await cli(db, ['--tenant', 'demo']);
    expect(one.code).toBe(1);
    expect(one.stdout).not.toContain('platform');
  });
});
