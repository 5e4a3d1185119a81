// Front-end telemetry with Grafana Faro (errors, console errors, web vitals, session, view changes
// and events), only when the kernel says where to report: the SDK is a separate chunk fetched then,
// never part of the first page. Reports carry the user's id and tenant slug, no name or email, and
// page URLs without query or fragment (invitation tokens travel in the fragment).
import type { Faro, TransportItem } from '@grafana/faro-web-sdk';
import { api } from '../api/http.ts';

export interface TelemetrySettings {
  /** The collector, or null when telemetry is off. */
  url: string | null;
  app: { name: string; version: string };
}

export interface TelemetryContext {
  userId(): string | null;
  tenant(): string | null;
}

let faro: Faro | null = null;
let starting: Promise<void> | null = null;

/** Drops the query and fragment of a URL; a string that is no URL is dropped whole. */
export function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.origin + parsed.pathname;
  } catch {
    return '';
  }
}

function scrub(item: TransportItem): TransportItem {
  const page = item.meta.page;
  return page?.url ? { ...item, meta: { ...item.meta, page: { ...page, url: withoutQuery(page.url) } } } : item;
}

async function start(context: TelemetryContext): Promise<void> {
  const settings = await api.get<TelemetrySettings>('/v1/telemetry/config', { tenant: false, expectUnauthorized: true });
  if (!settings.url) return;
  const { initializeFaro, getWebInstrumentations, FetchTransport } = await import('@grafana/faro-web-sdk');
  // The tenant header only goes to the kernel's own collector (same origin, no CORS pre-flight).
  const sameOrigin = settings.url.startsWith('/');
  faro = initializeFaro({
    app: settings.app,
    sessionTracking: { enabled: true },
    instrumentations: getWebInstrumentations({ captureConsole: true, enablePerformanceInstrumentation: false }),
    transports: [
      new FetchTransport({
        url: settings.url,
        requestCompression: true,
        requestOptions: sameOrigin ? { headers: { 'x-penny-tenant': () => context.tenant() ?? '' } } : {},
      }),
    ],
    beforeSend: scrub,
  });
  identify(context);
}

/** Starts Faro once, if the kernel has telemetry on; failures to start are not the user's problem. */
export function startTelemetry(context: TelemetryContext): Promise<void> {
  starting ??= start(context).catch(() => undefined);
  return starting;
}

/** Follows the signed-in user and tenant (ids only). */
export function identify(context: TelemetryContext): void {
  if (!faro) return;
  const id = context.userId();
  if (id) faro.api.setUser({ id, attributes: { tenant: context.tenant() ?? '' } });
  else faro.api.resetUser();
}

/** A named product event (e.g. a composer run); nothing happens when telemetry is off. */
export function pushTelemetryEvent(name: string, attributes: Record<string, string> = {}): void {
  faro?.api.pushEvent(name, attributes);
}
