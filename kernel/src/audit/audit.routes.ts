// HTTP routes to read and verify the audit log: a tenant's chain for its admins, the platform
// chain for platform administrators.
import { inject, injectable } from 'inversify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object, responses, timestamp, uuid } from '../http/schemas.ts';
import { AuditLog, type AuditOutcome } from './audit.service.ts';

const eventSchema = object({
  id: uuid,
  seq: { type: 'integer' },
  tenantId: { type: ['string', 'null'] },
  occurredAt: timestamp,
  actorId: { type: ['string', 'null'] },
  actor: { type: 'string' },
  action: { type: 'string' },
  target: { type: 'string' },
  outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
  payloadHash: { type: 'string' },
  ip: { type: ['string', 'null'] },
  prevHash: { type: 'string' },
  hash: { type: 'string' },
});
const pageSchema = object({ items: { type: 'array', items: eventSchema }, nextCursor: { type: ['integer', 'null'] } });
const verifySchema = object({
  ok: { type: 'boolean' },
  chain: { type: 'string' },
  events: { type: 'integer' },
  headSeq: { type: 'integer' },
  problems: { type: 'array', items: object({ seq: { type: 'integer' }, reason: { type: 'string' } }) },
});
const querySchema = object(
  {
    action: { type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9_.]+$' },
    actorId: uuid,
    outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
    since: timestamp,
    until: timestamp,
    before: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
  [],
);

interface AuditQueryString {
  action?: string;
  actorId?: string;
  outcome?: AuditOutcome;
  since?: string;
  until?: string;
  before?: number;
  limit: number;
}

function toQuery(q: AuditQueryString) {
  return {
    action: q.action,
    actorId: q.actorId,
    outcome: q.outcome,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
    before: q.before,
    limit: q.limit,
  };
}

@injectable()
export class AuditRoutes implements RouteContribution {
  constructor(@inject(AuditLog) private readonly audit: AuditLog) {}

  register(app: FastifyInstance): void {
    const tenantId = (request: FastifyRequest) => tenantOf(request).tenantId;
    app.get<{ Querystring: AuditQueryString }>(
      '/v1/audit',
      {
        config: { access: { permission: 'audit.read' } },
        schema: { tags: ['audit'], summary: "The tenant's audit events, newest first; page with ?before=<nextCursor>", querystring: querySchema, response: responses({ 200: pageSchema }) },
      },
      async (request) => this.audit.list(tenantId(request), toQuery(request.query)),
    );
    app.get(
      '/v1/audit/verify',
      {
        config: { access: { permission: 'audit.read' } },
        schema: { tags: ['audit'], summary: "Recompute the tenant's hash chain and report modified or missing events", response: responses({ 200: verifySchema }) },
      },
      async (request) => this.audit.verify(tenantId(request)),
    );
    app.get<{ Querystring: AuditQueryString }>(
      '/v1/platform/audit',
      {
        config: { access: { platform: true } },
        schema: { tags: ['audit'], summary: 'Platform-wide audit events (sign-ins, tenant creation)', querystring: querySchema, response: responses({ 200: pageSchema }) },
      },
      async (request) => this.audit.list(null, toQuery(request.query)),
    );
    app.get(
      '/v1/platform/audit/verify',
      {
        config: { access: { platform: true } },
        schema: { tags: ['audit'], summary: 'Verify the platform audit chain', response: responses({ 200: verifySchema }) },
      },
      async () => this.audit.verify(null),
    );
  }
}
