// HTTP routes of the catalog (publishing, browsing), publisher keys, each tenant's trusted keys and
// extension policy, and offline-mirror imports.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object, responses } from '../http/schemas.ts';
import { addBundleParser, BUNDLE_MEDIA_TYPE, BundleUpload } from './bundle-upload.ts';
import { Catalog } from './catalog.service.ts';
import { MarketplaceConfig } from './marketplace.config.ts';
import { BundleMediaTypeError } from './marketplace.errors.ts';
import * as s from './marketplace.schemas.ts';
import { actorOf } from './marketplace.types.ts';
import { OfflineMirror } from './offline-mirror.ts';
import { TenantPolicies } from './policy.service.ts';
import { PublisherKeys, type PublicKeyDocument } from './publisher-keys.service.ts';
import type { ExtensionPolicy } from './tenant-policy.ts';

const tags = ['marketplace'];

@injectable()
export class MarketplaceRoutes implements RouteContribution {
  constructor(
    @inject(Catalog) private readonly catalog: Catalog,
    @inject(PublisherKeys) private readonly keys: PublisherKeys,
    @inject(TenantPolicies) private readonly policies: TenantPolicies,
    @inject(OfflineMirror) private readonly mirror: OfflineMirror,
    @inject(MarketplaceConfig) private readonly config: MarketplaceConfig,
  ) {}

  async register(app: FastifyInstance): Promise<void> {
    // Its own scope, so the bundle parser (and its size limit) applies to this one route only.
    await app.register(async (scope) => {
      addBundleParser(scope, this.config.maxBundleBytes);
      scope.post(
        '/v1/marketplace/bundles',
        {
          config: { access: { platform: true } },
          schema: {
            tags,
            summary: `Publish a signed bundle (body: the .pennyext file as ${BUNDLE_MEDIA_TYPE}); platform administrators`,
            consumes: [BUNDLE_MEDIA_TYPE],
            response: responses({ 201: s.catalogVersion }),
          },
        },
        async (request, reply) => {
          const upload = request.body;
          if (!(upload instanceof BundleUpload)) {
            throw new BundleMediaTypeError(`Send the .pennyext file itself as the body, with Content-Type: ${BUNDLE_MEDIA_TYPE} (penny-ext publish does this).`);
          }
          if (!upload.bytes) return this.catalog.refuseOversized(upload.size, actorOf(request));
          const outcome = await this.catalog.publish(upload.bytes, actorOf(request), { source: 'upload' });
          return reply.code(201).send(outcome.bundle);
        },
      );
    });

    app.get<{ Querystring: { q?: string } }>(
      '/v1/marketplace/extensions',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: {
          tags,
          summary: 'The catalog: newest version of each extension, with publisher, permissions, contributions, and whether this tenant trusts its key',
          querystring: object({ q: { type: 'string', maxLength: 200 } }, []),
          response: responses({ 200: { type: 'array', items: s.catalogExtension } }),
        },
      },
      async (request) => this.catalog.list(tenantOf(request).tenantId, request.query),
    );

    app.get<{ Params: { extensionId: string } }>(
      '/v1/marketplace/extensions/:extensionId/versions',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: { tags, summary: 'Every published version of an extension, newest first', params: s.extensionIdParams, response: responses({ 200: { type: 'array', items: s.catalogVersion } }) },
      },
      async (request) => this.catalog.versions(tenantOf(request).tenantId, request.params.extensionId),
    );

    app.get(
      '/v1/marketplace/keys',
      {
        config: { access: { signedIn: true } },
        schema: { tags, summary: 'Publisher keys registered on this platform (public halves)', response: responses({ 200: { type: 'array', items: s.publisherKey } }) },
      },
      async () => this.keys.list(),
    );

    app.post<{ Body: { publisher: string; key: PublicKeyDocument } }>(
      '/v1/marketplace/keys',
      {
        config: { access: { platform: true } },
        schema: {
          tags,
          summary: "Register a publisher's public key (the output of penny-ext keys export); platform administrators",
          body: s.registerKeyBody,
          response: responses({ 201: s.publisherKey }),
        },
      },
      async (request, reply) => reply.code(201).send(await this.keys.register({ publisher: request.body.publisher, document: request.body.key }, actorOf(request))),
    );

    app.get(
      '/v1/marketplace/trusted-keys',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: { tags, summary: 'Keys this tenant trusts: the platform keys (always) and those its admins added', response: responses({ 200: { type: 'array', items: s.trustedKey } }) },
      },
      async (request) => this.keys.listTrusted(tenantOf(request).tenantId),
    );

    app.post<{ Body: { keyId: string } }>(
      '/v1/marketplace/trusted-keys',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: { tags, summary: 'Trust a registered publisher key in this tenant', body: object({ keyId: s.keyId }), response: responses({ 201: s.trustedKey }) },
      },
      async (request, reply) => reply.code(201).send(await this.keys.trust(tenantOf(request).tenantId, request.body.keyId, actorOf(request))),
    );

    app.delete<{ Params: { keyId: string } }>(
      '/v1/marketplace/trusted-keys/:keyId',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags,
          summary: 'Stop trusting a publisher key; installed extensions signed with it are disabled',
          params: s.keyIdParams,
          response: responses({ 200: object({ disabled: { type: 'array', items: { type: 'string' } } }) }),
        },
      },
      async (request) => this.keys.distrust(tenantOf(request).tenantId, request.params.keyId, actorOf(request)),
    );

    app.get(
      '/v1/marketplace/policy',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: { tags, summary: "This tenant's extension policy", response: responses({ 200: s.policy }) },
      },
      async (request) => this.policies.get(tenantOf(request).tenantId),
    );

    app.put<{ Body: ExtensionPolicy }>(
      '/v1/marketplace/policy',
      {
        config: { access: { permission: 'extensions.manage' } },
        schema: {
          tags,
          summary: "Replace this tenant's extension policy; installed extensions it no longer allows are disabled",
          body: s.policy,
          response: responses({ 200: s.policyChange }),
        },
      },
      async (request) => this.policies.put(tenantOf(request).tenantId, actorOf(request), request.body),
    );

    app.post<{ Body: { path: string } }>(
      '/v1/marketplace/import-directory',
      {
        config: { access: { platform: true } },
        schema: {
          tags,
          summary: 'Import every .pennyext file of a directory on the server (an offline mirror), with the same verification as a publish; platform administrators',
          body: s.importBody,
          response: responses({ 200: s.mirrorImport }),
        },
      },
      async (request) => this.mirror.importDirectory(request.body.path, actorOf(request)),
    );
  }
}
