// The workbench's telemetry settings (public, read at start) and the kernel's Faro collector:
// reports are size-bounded, gzip-aware, loosely schema-checked, counted into Prometheus, and their
// exceptions logged with the signed-in user and tenant when the session cookie came along.
import { inject, injectable } from 'inversify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TransportBody } from '@grafana/faro-core';
import { KERNEL_VERSION } from '../core/version.ts';
import { NotFoundError } from '../core/errors.ts';
import { Authenticator } from '../http/access.ts';
import { TENANT_HEADER } from '../http/http.server.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object, responses } from '../http/schemas.ts';
import { decodeFaroBody, FARO_BODY_SCHEMA, PayloadTooLargeError, summarize, type FaroSummary } from './faro-payload.ts';
import { FrontendMetrics } from './frontend-metrics.ts';
import { TelemetryConfig } from './telemetry.config.ts';

export const COLLECTOR_PATH = '/v1/telemetry/faro';
export const WORKBENCH_APP_NAME = 'penny-workbench';

@injectable()
export class TelemetryRoutes implements RouteContribution {
  constructor(
    @inject(TelemetryConfig) private readonly config: TelemetryConfig,
    @inject(FrontendMetrics) private readonly metrics: FrontendMetrics,
    @inject(Authenticator) private readonly authenticator: Authenticator,
  ) {}

  /** Where the workbench sends its reports, or null when telemetry is off. */
  collectorUrl(): string | null {
    if (this.config.mode === 'kernel') return COLLECTOR_PATH;
    return this.config.mode === 'url' ? (this.config.url ?? null) : null;
  }

  async register(app: FastifyInstance): Promise<void> {
    app.get(
      '/v1/telemetry/config',
      {
        config: { access: { public: true } },
        schema: {
          tags: ['telemetry'],
          summary: 'Where the workbench sends front-end telemetry (null when off), and the name and version it reports',
          response: responses({
            200: object({ url: { type: ['string', 'null'] }, app: object({ name: { type: 'string' }, version: { type: 'string' } }) }),
          }),
        },
      },
      async () => ({ url: this.collectorUrl(), app: { name: WORKBENCH_APP_NAME, version: KERNEL_VERSION } }),
    );

    // Its own scope: the collector reads the raw body (it may be gzip) with its own size limit.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      // Faro's fetch transport sends application/json; a beacon may arrive as text/plain.
      scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: this.config.maxBodyBytes }, (request, raw, done) => {
        try {
          done(null, decodeFaroBody(raw as Buffer, header(request, 'content-encoding'), this.config));
        } catch (error) {
          this.metrics.rejected();
          done(error as Error, undefined);
        }
      });
      scope.addHook('preParsing', async (request) => {
        if (this.config.mode !== 'kernel') throw new NotFoundError('The telemetry collector is off: set PENNY_TELEMETRY=kernel to turn it on.');
        // Refused before reading, with the collector's own limit in the message.
        const declared = Number(header(request, 'content-length'));
        if (declared > this.config.maxBodyBytes) {
          this.metrics.rejected();
          throw new PayloadTooLargeError(`A telemetry report may be at most ${this.config.maxBodyBytes} bytes.`);
        }
      });
      scope.post<{ Body: TransportBody }>(
        COLLECTOR_PATH,
        {
          config: { access: { public: true } },
          bodyLimit: this.config.maxBodyBytes,
          schema: {
            tags: ['telemetry'],
            summary: 'Receive a Grafana Faro report (JSON, optionally gzip) from a workbench; answers 202',
            body: FARO_BODY_SCHEMA,
            response: { 202: { type: 'null' }, '4xx': responses({})['4xx'] },
          },
        },
        async (request, reply) => {
          const summary = summarize(request.body);
          this.metrics.record(summary);
          if (summary.exceptions.length) await this.logExceptions(request, summary);
          return reply.code(202).send();
        },
      );
    });
  }

  /** The user comes from the session (never from the report); the tenant only if they belong to it. */
  private async logExceptions(request: FastifyRequest, summary: FaroSummary): Promise<void> {
    let userId: string | undefined;
    let tenant: string | undefined;
    try {
      const principal = await this.authenticator.authenticate(request);
      if (principal) {
        userId = principal.userId;
        const wanted = header(request, TENANT_HEADER);
        if (wanted) tenant = (await this.authenticator.resolveTenant(principal, wanted).catch(() => null))?.slug;
      }
    } catch {
      // A report is accepted whatever the cookie says; it is only logged without a user.
    }
    for (const exception of summary.exceptions.slice(0, 20)) {
      request.log.warn({ frontend: { ...exception, app: summary.app, session: summary.sessionId }, userId, tenant }, 'workbench exception');
    }
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
