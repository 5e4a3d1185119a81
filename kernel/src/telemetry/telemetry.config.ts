// Front-end telemetry settings, read from the environment by `loadConfig` with the rest:
// `PENNY_TELEMETRY` is `off` (default), `kernel` (the workbench reports to this kernel's collector)
// or the http(s) URL of a Faro collector the workbench reports to directly.
import { ConfigError } from '../config/config.ts';

export interface TelemetryConfig {
  mode: 'off' | 'kernel' | 'url';
  /** The external collector when `mode` is `url`. */
  url: string | undefined;
  /** Largest report the kernel collector accepts, as sent (compressed or not). */
  maxBodyBytes: number;
  /** Largest report after gunzip: a small compressed body must not expand without bound. */
  maxInflatedBytes: number;
}
export const TelemetryConfig = Symbol('TelemetryConfig');

export const TELEMETRY_MAX_BODY_BYTES = 256 * 1024;

export function loadTelemetryConfig(env: Record<string, string | undefined>): TelemetryConfig {
  const raw = env.PENNY_TELEMETRY?.trim() || 'off';
  const limits = { maxBodyBytes: TELEMETRY_MAX_BODY_BYTES, maxInflatedBytes: 4 * TELEMETRY_MAX_BODY_BYTES };
  if (raw === 'off' || raw === 'kernel') return { mode: raw, url: undefined, ...limits };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PENNY_TELEMETRY must be off, kernel or an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`PENNY_TELEMETRY must be an http(s) URL, got "${raw}"`);
  return { mode: 'url', url: url.toString(), ...limits };
}
