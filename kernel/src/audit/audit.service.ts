// The append-only audit log: one hash chain per tenant (and one for platform-wide events). Each
// event's hash covers the previous event's hash, and a chain head records the last one, so a
// changed, removed or truncated row is detected by verification.
import { inject, injectable } from 'inversify';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import { asExecutor, Database, type EntityManager, type SqlExecutor } from '../database/database.service.ts';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditRecord {
  tenantId: string | null;
  actorId: string | null;
  /** A readable name for the actor (email, token name, "system"). */
  actor: string;
  /** Past tense, dotted: `member.invited`, `auth.signedIn`. */
  action: string;
  target?: string;
  outcome?: AuditOutcome;
  /** Hashed, never stored: the log proves what was done without keeping secrets or personal data. */
  payload?: unknown;
  ip?: string | null;
}

export interface AuditEventView {
  id: string;
  seq: number;
  tenantId: string | null;
  occurredAt: string;
  actorId: string | null;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  payloadHash: string;
  ip: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  action?: string;
  actorId?: string;
  outcome?: AuditOutcome;
  since?: Date;
  until?: Date;
  /** Return events with seq below this (the previous page's `nextCursor`). */
  before?: number;
  limit: number;
}

export interface AuditVerification {
  ok: boolean;
  chain: string;
  events: number;
  headSeq: number;
  problems: { seq: number; reason: string }[];
}

export interface AuditLog {
  /** Appends inside the caller's transaction, so the action and its record commit together. */
  append(em: EntityManager | SqlExecutor, record: AuditRecord): Promise<AuditEventView>;
  /** Appends in a transaction of its own (for refusals and failures, whose work rolled back). */
  record(record: AuditRecord): Promise<AuditEventView>;
  list(tenantId: string | null, query: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: number | null }>;
  verify(tenantId: string | null): Promise<AuditVerification>;
}
export const AuditLog = Symbol('AuditLog');

export const GENESIS_HASH = '0'.repeat(64);

interface AuditRow {
  id: string;
  chain: string;
  tenant_id: string | null;
  seq: string | number;
  occurred_at: Date;
  actor_id: string | null;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  payload_hash: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

export function chainOf(tenantId: string | null): string {
  return tenantId ?? 'platform';
}

export function eventHash(e: Omit<AuditEventView, 'id' | 'hash'> & { chain: string }): string {
  return sha256Hex(
    canonicalJson([e.chain, e.seq, e.occurredAt, e.tenantId, e.actorId, e.actor, e.action, e.target, e.outcome, e.payloadHash, e.ip, e.prevHash]),
  );
}

function view(row: AuditRow): AuditEventView {
  return {
    id: row.id,
    seq: Number(row.seq),
    tenantId: row.tenant_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    actorId: row.actor_id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    payloadHash: row.payload_hash,
    ip: row.ip,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

@injectable()
export class HashChainAuditLog implements AuditLog {
  /** Chains whose head row this kernel has seen: their events skip the head-creating statement. */
  private readonly knownChains = new Set<string>();

  constructor(@inject(Database) private readonly db: Database) {}

  private run<T>(tenantId: string | null, work: (em: EntityManager) => Promise<T>): Promise<T> {
    return tenantId ? this.db.tenant(tenantId, work) : this.db.system(work);
  }

  async append(tx: EntityManager | SqlExecutor, record: AuditRecord): Promise<AuditEventView> {
    const em = asExecutor(tx);
    const chain = chainOf(record.tenantId);
    // The row lock serialises writers of one chain; other chains proceed in parallel.
    const lockHead = () => em.execute<{ seq: string; hash: string }[]>(`SELECT seq, hash FROM audit_chain_head WHERE chain = ? FOR UPDATE`, [chain]);
    let [head] = this.knownChains.has(chain) ? await lockHead() : [];
    if (!head) {
      // A chain's first event (or one whose head this kernel has not seen yet) creates the head.
      await em.execute(`INSERT INTO audit_chain_head (chain, tenant_id, seq, hash) VALUES (?, ?, 0, ?) ON CONFLICT (chain) DO NOTHING`, [chain, record.tenantId, GENESIS_HASH]);
      [head] = await lockHead();
    }
    if (!head) throw new Error(`audit chain head for ${chain} is not visible`);
    if (this.knownChains.size < 100_000) this.knownChains.add(chain);
    const draft = {
      chain,
      seq: Number(head.seq) + 1,
      tenantId: record.tenantId,
      occurredAt: new Date().toISOString(),
      actorId: record.actorId,
      actor: record.actor,
      action: record.action,
      target: record.target ?? '',
      outcome: record.outcome ?? 'success',
      payloadHash: sha256Hex(canonicalJson(record.payload ?? null)),
      ip: record.ip ?? null,
      prevHash: head.hash,
    };
    const hash = eventHash(draft);
    // The event and the moved head in one statement: one round trip while the head is locked.
    const [row] = await em.execute<AuditRow[]>(
      `WITH event AS (
         INSERT INTO audit_event (chain, tenant_id, seq, occurred_at, actor_id, actor, action, target, outcome, payload_hash, ip, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
       ), moved AS (
         UPDATE audit_chain_head SET seq = ?, hash = ? WHERE chain = ?
       ) SELECT * FROM event`,
      [chain, draft.tenantId, draft.seq, draft.occurredAt, draft.actorId, draft.actor, draft.action, draft.target, draft.outcome, draft.payloadHash, draft.ip, draft.prevHash, hash, draft.seq, hash, chain],
    );
    return view(row!);
  }

  record(record: AuditRecord): Promise<AuditEventView> {
    return this.run(record.tenantId, (em) => this.append(em, record));
  }

  async list(tenantId: string | null, query: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: number | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    add('chain = ?', chainOf(tenantId));
    // `auth` matches `auth` and `auth.*`, so a prefix filters a whole family of actions.
    if (query.action) add('(action = ? OR action LIKE ?)', query.action, `${query.action.replace(/[\\%_]/g, '\\$&')}.%`);
    if (query.actorId) add('actor_id = ?', query.actorId);
    if (query.outcome) add('outcome = ?', query.outcome);
    if (query.since) add('occurred_at >= ?', query.since.toISOString());
    if (query.until) add('occurred_at < ?', query.until.toISOString());
    if (query.before !== undefined) add('seq < ?', query.before);
    const rows = await this.run(tenantId, (em) =>
      em.execute<AuditRow[]>(
        `SELECT * FROM audit_event WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ${query.limit + 1}`,
        params,
      ),
    );
    const items = rows.slice(0, query.limit).map(view);
    return { items, nextCursor: rows.length > query.limit ? items[items.length - 1]!.seq : null };
  }

  async verify(tenantId: string | null): Promise<AuditVerification> {
    const chain = chainOf(tenantId);
    return this.run(tenantId, async (em) => {
      const problems: AuditVerification['problems'] = [];
      const [head] = await em.execute<{ seq: string; hash: string }[]>(`SELECT seq, hash FROM audit_chain_head WHERE chain = ?`, [chain]);
      let expectedSeq = 1;
      let prevHash = GENESIS_HASH;
      let events = 0;
      const batch = 1000;
      for (let after = 0; ; ) {
        const rows = await em.execute<AuditRow[]>(
          `SELECT * FROM audit_event WHERE chain = ? AND seq > ? ORDER BY seq ASC LIMIT ${batch}`,
          [chain, after],
        );
        for (const row of rows) {
          const e = view(row);
          events++;
          if (e.seq !== expectedSeq) problems.push({ seq: expectedSeq, reason: `event ${expectedSeq} is missing (next present is ${e.seq})` });
          if (e.prevHash !== prevHash) problems.push({ seq: e.seq, reason: 'previous-hash link does not match the event before it' });
          if (eventHash({ ...e, chain }) !== e.hash) problems.push({ seq: e.seq, reason: 'event content does not match its hash (modified)' });
          expectedSeq = e.seq + 1;
          prevHash = e.hash;
          after = e.seq;
        }
        if (rows.length < batch) break;
      }
      const headSeq = head ? Number(head.seq) : 0;
      if (headSeq !== expectedSeq - 1) problems.push({ seq: headSeq, reason: `chain head is at ${headSeq} but the last event present is ${expectedSeq - 1} (events removed)` });
      else if (head && head.hash !== prevHash) problems.push({ seq: headSeq, reason: 'chain head hash does not match the last event' });
      return { ok: problems.length === 0, chain, events, headSeq, problems: problems.slice(0, 50) };
    });
  }
}
