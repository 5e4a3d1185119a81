// HTTP routes for artifacts: metadata and versions, content (native format), short-lived signed
// content links, and publishing a new artifact or version.
import { inject, injectable } from 'inversify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ArtifactDraft, JsonValue } from '@penny/manifests';
import { principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { idParams, object, responses, timestamp, uuid } from '../http/schemas.ts';
import { ArtifactsService, type ArtifactVersionView } from './artifacts.service.ts';

const versionSchema = object({
  artifactId: uuid,
  version: { type: 'integer' },
  title: { type: 'string' },
  mimeType: { type: 'string' },
  encoding: { type: 'string' },
  size: { type: 'integer' },
  sha256: { type: 'string' },
  lineage: { type: 'object', additionalProperties: true },
  createdAt: timestamp,
});
const draftSchema = object(
  {
    mimeType: { type: 'string', maxLength: 255 },
    title: { type: 'string', minLength: 1, maxLength: 300 },
    data: {},
    encoding: { type: 'string', enum: ['json', 'text', 'base64'] },
  },
  ['mimeType', 'title', 'data'],
);

function send(reply: FastifyReply, meta: ArtifactVersionView, bytes: Buffer, download: boolean) {
  const type = meta.encoding === 'json' && !meta.mimeType.includes('json') ? 'application/json' : meta.mimeType;
  reply.header('content-type', type.startsWith('text/') || type.includes('json') ? `${type}; charset=utf-8` : type);
  // Artifacts are data, never pages of this origin: no sniffing, no scripts.
  reply.header('content-security-policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox");
  reply.header('cache-control', 'private, max-age=300, immutable');
  if (download) reply.header('content-disposition', `attachment; filename="${meta.title.replace(/[^\w. -]/g, '_').slice(0, 100)}"`);
  return reply.send(bytes);
}

@injectable()
export class ArtifactsRoutes implements RouteContribution {
  constructor(@inject(ArtifactsService) private readonly artifacts: ArtifactsService) {}

  register(app: FastifyInstance): void {
    app.get<{ Params: { id: string } }>(
      '/v1/artifacts/:id',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: { tags: ['artifacts'], summary: 'The latest version of an artifact', params: idParams, response: responses({ 200: versionSchema }) },
      },
      async (request) => (await this.artifacts.versions(tenantOf(request).tenantId, request.params.id)).at(-1)!,
    );

    app.get<{ Params: { id: string } }>(
      '/v1/artifacts/:id/versions',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: { tags: ['artifacts'], summary: 'Every version of an artifact, oldest first', params: idParams, response: responses({ 200: { type: 'array', items: versionSchema } }) },
      },
      async (request) => this.artifacts.versions(tenantOf(request).tenantId, request.params.id),
    );

    app.get<{ Params: { id: string }; Querystring: { version?: number; download?: boolean } }>(
      '/v1/artifacts/:id/content',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: {
          tags: ['artifacts'],
          summary: 'The content in its native format (latest version unless ?version=)',
          params: idParams,
          querystring: object({ version: { type: 'integer', minimum: 1 }, download: { type: 'boolean' } }, []),
        },
      },
      async (request, reply) => {
        const { meta, bytes } = await this.artifacts.content(tenantOf(request).tenantId, request.params.id, request.query.version);
        return send(reply, meta, bytes, request.query.download === true);
      },
    );

    app.post<{ Params: { id: string }; Querystring: { version?: number } }>(
      '/v1/artifacts/:id/content-url',
      {
        config: { access: { permission: 'artifacts.read' } },
        schema: {
          tags: ['artifacts'],
          summary: 'A link to the content that works without signing in for five minutes',
          params: idParams,
          querystring: object({ version: { type: 'integer', minimum: 1 } }, []),
          response: responses({ 200: object({ url: { type: 'string' }, expiresAt: timestamp }) }),
        },
      },
      async (request) => {
        const tenantId = tenantOf(request).tenantId;
        const { meta } = await this.artifacts.content(tenantId, request.params.id, request.query.version);
        const { token, expiresAt } = this.artifacts.signContentUrl(tenantId, meta.artifactId, meta.version);
        return { url: `/v1/artifact-content/${token}`, expiresAt };
      },
    );

    app.get<{ Params: { token: string } }>(
      '/v1/artifact-content/:token',
      {
        config: { access: { public: true } },
        schema: { tags: ['artifacts'], summary: 'Content behind a signed link', security: [], params: object({ token: { type: 'string', minLength: 10, maxLength: 1000 } }) },
      },
      async (request, reply) => {
        const { tenantId, artifactId, version } = this.artifacts.verifyContentUrl(request.params.token);
        const { meta, bytes } = await this.artifacts.content(tenantId, artifactId, version);
        return send(reply, meta, bytes, false);
      },
    );

    app.post<{ Body: ArtifactDraft & { artifactId?: string } }>(
      '/v1/artifacts',
      {
        config: { access: { permission: 'artifacts.write' } },
        schema: {
          tags: ['artifacts'],
          summary: 'Publish an artifact, or a new version of one (with artifactId)',
          body: { ...draftSchema, properties: { ...(draftSchema.properties as object), artifactId: uuid } },
          response: responses({ 201: versionSchema }),
        },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request).tenantId;
        const { artifactId, ...draft } = request.body;
        const lineage = { publishedBy: principalOf(request).userId } as Record<string, JsonValue>;
        const created = artifactId
          ? await this.artifacts.addVersion(tenantId, artifactId, draft, lineage)
          : await this.artifacts.create(tenantId, draft, lineage, principalOf(request).userId);
        return reply.code(201).send(created);
      },
    );
  }
}
