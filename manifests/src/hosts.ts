// Host patterns, as written in `permissions.network` and in a tenant's egress policy.
// `api.example.com` (any port), `*.example.com` (subdomains only), `127.0.0.1:11434`, `[::1]:8080`;
// the lone `*` (everything) is accepted in tenant policies only, never in a manifest.

export interface UrlTarget {
  protocol: string;
  hostname: string;
  port: string;
}

const defaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The `host[:port]` a URL addresses, as shown in errors; default ports are omitted. */
export function hostOf(url: UrlTarget): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

function splitPattern(pattern: string): { host: string; port: number | undefined } {
  const bracketEnd = pattern.lastIndexOf(']');
  const colon = pattern.lastIndexOf(':');
  if (colon > bracketEnd && (bracketEnd >= 0 || pattern.indexOf(':') === colon)) {
    return { host: pattern.slice(0, colon), port: Number(pattern.slice(colon + 1)) };
  }
  return { host: pattern, port: undefined };
}

export function matchesHostPattern(pattern: string, url: UrlTarget): boolean {
  const normalized = pattern.trim().toLowerCase();
  if (normalized === '*') return true;
  const { host, port } = splitPattern(normalized);
  const effectivePort = url.port ? Number(url.port) : defaultPorts[url.protocol];
  if (port !== undefined && port !== effectivePort) return false;
  const hostname = url.hostname.toLowerCase();
  if (host.startsWith('*.')) {
    const suffix = host.slice(1);
    return hostname.endsWith(suffix) && hostname.length > suffix.length;
  }
  return hostname === host;
}

export function matchesAnyHostPattern(patterns: readonly string[], url: UrlTarget): boolean {
  return patterns.some((pattern) => matchesHostPattern(pattern, url));
}
