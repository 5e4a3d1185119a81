// Reading a Faro report: the body as sent (JSON, possibly gzip), bounded before and after inflating,
// and a summary of what it holds with every label drawn from a fixed set, so a public endpoint
// cannot grow the metrics without bound.
import { gunzipSync } from 'node:zlib';
import type { TransportBody } from '@grafana/faro-core';
import { KernelError, ValidationError } from '../core/errors.ts';

export class PayloadTooLargeError extends KernelError {
  readonly status = 413;
  readonly code = 'body_too_large';
  readonly title = 'Request body too large';
}

/** Loose on purpose: Faro adds fields between versions; only the envelope's shape is checked. */
export const FARO_BODY_SCHEMA = {
  type: 'object',
  required: ['meta'],
  properties: {
    meta: { type: 'object' },
    logs: { type: 'array', maxItems: 1000, items: { type: 'object' } },
    exceptions: { type: 'array', maxItems: 1000, items: { type: 'object' } },
    measurements: { type: 'array', maxItems: 1000, items: { type: 'object' } },
    events: { type: 'array', maxItems: 1000, items: { type: 'object' } },
    traces: { type: 'object' },
  },
  additionalProperties: true,
} as const;

export function decodeFaroBody(raw: Buffer, contentEncoding: string | undefined, limits: { maxBodyBytes: number; maxInflatedBytes: number }): unknown {
  if (raw.length > limits.maxBodyBytes) throw new PayloadTooLargeError(`A telemetry report may be at most ${limits.maxBodyBytes} bytes.`);
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  let text: string;
  if (encoding === 'gzip') {
    try {
      text = gunzipSync(raw, { maxOutputLength: limits.maxInflatedBytes }).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError(`A telemetry report may inflate to at most ${limits.maxInflatedBytes} bytes.`);
      throw new ValidationError('The body is not valid gzip.', [{ path: 'body', message: 'is not valid gzip' }]);
    }
  } else if (encoding === 'identity') {
    text = raw.toString('utf8');
  } else {
    throw new ValidationError(`Content-Encoding "${encoding}" is not supported; send gzip or none.`, [{ path: 'headers.content-encoding', message: 'must be gzip or absent' }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError(`The body is not valid JSON: ${(error as Error).message}`, [{ path: 'body', message: 'is not valid JSON' }]);
  }
}

export const WEB_VITALS = ['cls', 'fcp', 'fid', 'inp', 'lcp', 'ttfb'] as const;
export type WebVital = (typeof WEB_VITALS)[number];
const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'log', 'warn', 'error']);

export interface FaroSummary {
  exceptions: { type: string; value: string; url: string | undefined }[];
  vitals: { name: WebVital; value: number }[];
  logs: Record<string, number>;
  events: number;
  spans: number;
  userId: string | undefined;
  tenant: string | undefined;
  sessionId: string | undefined;
  app: string | undefined;
}

const text = (value: unknown, max = 500): string | undefined => (typeof value === 'string' ? value.slice(0, max) : undefined);

/** What the metrics and the log need from a report that passed the schema. */
export function summarize(body: TransportBody): FaroSummary {
  const vitals: FaroSummary['vitals'] = [];
  for (const measurement of body.measurements ?? []) {
    if (measurement.type !== 'web-vitals' || !measurement.values || typeof measurement.values !== 'object') continue;
    for (const name of WEB_VITALS) {
      const value = (measurement.values as Record<string, unknown>)[name];
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) vitals.push({ name, value });
    }
  }
  const logs: Record<string, number> = {};
  for (const log of body.logs ?? []) {
    const level = LOG_LEVELS.has(String(log.level)) ? String(log.level) : 'other';
    logs[level] = (logs[level] ?? 0) + 1;
  }
  let spans = 0;
  const resourceSpans = (body.traces as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] } | undefined)?.resourceSpans;
  if (Array.isArray(resourceSpans)) for (const r of resourceSpans) for (const s of r?.scopeSpans ?? []) spans += Array.isArray(s?.spans) ? s.spans.length : 0;
  const meta = body.meta ?? {};
  return {
    exceptions: (body.exceptions ?? []).map((e) => ({ type: text(e.type, 200) ?? 'Error', value: text(e.value) ?? '', url: text(meta.page?.url, 300) })),
    vitals,
    logs,
    events: (body.events ?? []).length,
    spans,
    userId: text(meta.user?.id, 100),
    tenant: text(meta.user?.attributes?.tenant, 100),
    sessionId: text(meta.session?.id, 100),
    app: text(meta.app?.name, 100),
  };
}
