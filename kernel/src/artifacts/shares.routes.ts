// HTTP routes for artifact share links: create, list, open and revoke inside the tenant, and the
// public read-only pages behind a token (metadata and content in its native format).
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { nullableTimestamp, object, responses, timestamp, uuid } from '../http/schemas.ts';
import { ArtifactShares, TENANT_SHARE_MAX_HOURS, type CreateShareInput } from './shares.service.ts';

const shareSchema = object({
  id: uuid,
  artifactId: uuid,
  scope: { type: 'string', enum: ['tenant', 'public'] },
  version: { type: 'integer' },
  url: { type: ['string', 'null'] },
  expiresAt: nullableTimestamp,
  expired: { type: 'boolean' },
  createdAt: timestamp,
  createdBy: { type: ['string', 'null'] },
});
const artifactParams = object({ id: uuid });
const shareParams = object({ id: uuid, shareId: uuid });
// Loose on purpose: a malformed token gets the same 404 as an unknown one.
const tokenParams = object({ token: { type: 'string', minLength: 1, maxLength: 200 } });

const EXTENSIONS: Record<string, string> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/html': 'html',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/svg+xml': 'svg',
  'application/pdf': 'pdf',
};

/** An ASCII file name for old clients plus the UTF-8 one (RFC 6266), with an extension for the type. */
function contentDisposition(kind: 'inline' | 'attachment', title: string, mimeType: string): string {
  const ext = EXTENSIONS[mimeType] ?? (mimeType.endsWith('+json') ? 'json' : undefined);
  const base = title.trim().slice(0, 100) || 'artifact';
  const name = ext && !base.toLowerCase().endsWith(`.${ext}`) ? `${base}.${ext}` : base;
  const ascii = name.replace(/[^\w. -]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

@injectable()
export class ShareRoutes implements RouteContribution {
  constructor(@inject(ArtifactShares) private readonly shares: ArtifactShares) {}

  register(app: FastifyInstance): void {
    app.post<{ Params: { id: string }; Body: CreateShareInput }>(
      '/v1/artifacts/:id/shares',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: {
          tags: ['artifacts'],
          summary: 'Share one version: inside the tenant, or public read-only until it expires (public needs artifacts.write)',
          params: artifactParams,
          body: object(
            {
              scope: { type: 'string', enum: ['tenant', 'public'] },
              version: { type: 'integer', minimum: 1 },
              expiresInHours: { type: 'number', exclusiveMinimum: 0, maximum: TENANT_SHARE_MAX_HOURS },
            },
            ['scope'],
          ),
          response: responses({ 201: shareSchema }),
        },
      },
      async (request, reply) => {
        const created = await this.shares.create(tenantOf(request), principalOf(request), request.params.id, request.body, request.ip);
        return reply.code(201).send(created);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/artifacts/:id/shares',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: {
          tags: ['artifacts'],
          summary: "An artifact's share links that were not revoked (public links without their token)",
          params: artifactParams,
          response: responses({ 200: { type: 'array', items: shareSchema } }),
        },
      },
      async (request) => this.shares.list(tenantOf(request), request.params.id),
    );

    app.get<{ Params: { id: string; shareId: string } }>(
      '/v1/artifacts/:id/shares/:shareId',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: {
          tags: ['artifacts'],
          summary: 'Open a share link inside the tenant: the link and the version it points to (410 when expired)',
          params: shareParams,
          response: responses({ 200: object({ share: shareSchema, artifact: { type: 'object', additionalProperties: true } }) }),
        },
      },
      async (request) => this.shares.open(tenantOf(request), request.params.id, request.params.shareId),
    );

    app.delete<{ Params: { id: string; shareId: string } }>(
      '/v1/artifacts/:id/shares/:shareId',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: { tags: ['artifacts'], summary: 'Revoke a share link (its creator, or anyone with artifacts.write)', params: shareParams, response: responses({ 204: { type: 'null' } }) },
      },
      async (request, reply) => {
        await this.shares.revoke(tenantOf(request), principalOf(request), request.params.id, request.params.shareId, request.ip);
        return reply.code(204).send();
      },
    );

    app.get<{ Params: { token: string } }>(
      '/v1/shared/:token',
      {
        config: { access: { public: true } },
        schema: {
          tags: ['artifacts'],
          summary: 'What a public link shows: title, type, size and expiry of the one shared version',
          security: [],
          params: tokenParams,
          response: responses({
            200: object({
              title: { type: 'string' },
              mimeType: { type: 'string' },
              version: { type: 'integer' },
              size: { type: 'integer' },
              sha256: { type: 'string' },
              createdAt: timestamp,
              expiresAt: timestamp,
              contentUrl: { type: 'string' },
            }),
          }),
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return this.shares.publicMeta(request.params.token);
      },
    );

    app.get<{ Params: { token: string }; Querystring: { download?: boolean } }>(
      '/v1/shared/:token/content',
      {
        config: { access: { public: true } },
        schema: {
          tags: ['artifacts'],
          summary: 'The shared version in its native format (inline, or as a file with ?download=true)',
          security: [],
          params: tokenParams,
          querystring: object({ download: { type: 'boolean' } }, []),
        },
      },
      async (request, reply) => {
        const { meta, bytes } = await this.shares.publicContent(request.params.token);
        const type = meta.encoding === 'json' && !meta.mimeType.includes('json') ? 'application/json' : meta.mimeType;
        reply.header('content-type', type.startsWith('text/') || type.includes('json') ? `${type}; charset=utf-8` : type);
        // Shared content is data from outside this origin's trust: never sniffed, never scripted
        // (HTML and SVG render in a sandbox with no scripts, forms or same-origin access).
        reply.header('x-content-type-options', 'nosniff');
        reply.header('content-security-policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox");
        reply.header('content-disposition', contentDisposition(request.query.download === true ? 'attachment' : 'inline', meta.title, meta.mimeType));
        // A revoked link must stop working at once: nothing may keep a copy.
        reply.header('cache-control', 'no-store');
        return reply.send(bytes);
      },
    );
  }
}
