// Egress policy and secret handling for bridged fetch. A URL must match the extension's granted
// `permissions.network` and the tenant's egress allow-list. Secret handles in request headers are
// swapped for real values only after that check, and every real value is scrubbed from whatever
// comes back (status line, headers, body, errors) so it never reaches the isolate.
import { SECRET_HANDLE_PREFIX, hostOf, matchesAnyHostPattern, type SidecarConnectResult } from '@penny/manifests';
import { HostFault } from './errors.ts';

export interface EgressRules {
  extensionId: string;
  /** Granted and declared `permissions.network` patterns. */
  network: readonly string[];
  /** The tenant's egress allow-list. */
  tenantAllow: readonly string[];
  /** Granted and declared secret names. */
  secrets: ReadonlySet<string>;
  /** Asks the kernel whose sidecar a loopback port is (starting the extension's own on demand). */
  connectSidecar?: (port: number) => Promise<SidecarConnectResult>;
}

/** Hostnames (as WHATWG URL normalizes them) that reach this machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '0.0.0.0' ||
    host === '[::1]' || host === '[::]' || host.startsWith('[::ffff:7f') || host === '[::ffff:0:0]'
  );
}

/**
 * A fetch to one of the extension's own sidecars: the URL aimed at its current port on 127.0.0.1
 * and the token to present. The tenant's egress policy and `permissions.network` do not apply (the
 * sidecar was approved at install and never leaves the machine); a port of anyone else's sidecar is
 * refused whatever the network grants say. Undefined for any other URL.
 */
export async function sidecarTarget(rules: EgressRules, raw: string): Promise<{ url: URL; token: string } | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (!rules.connectSidecar || url.protocol !== 'http:' || !isLoopback(url.hostname) || !url.port) return undefined;
  const answer = await rules.connectSidecar(Number(url.port));
  if (answer.kind === 'foreign') {
    throw new HostFault('EgressDenied', `fetch to ${hostOf(url)} is not allowed: that port belongs to another extension's sidecar`, { extensionId: rules.extensionId, host: hostOf(url) });
  }
  if (answer.kind !== 'own') return undefined;
  const target = new URL(url.href);
  target.hostname = '127.0.0.1';
  target.port = String(answer.port);
  return { url: target, token: answer.token };
}

export function checkEgress(rules: EgressRules, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HostFault('InvalidArguments', `fetch: invalid URL ${JSON.stringify(raw.slice(0, 200))}`);
  }
  const host = hostOf(url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HostFault('EgressDenied', `fetch to ${url.protocol} URLs is not allowed`, { extensionId: rules.extensionId, host });
  }
  if (!matchesAnyHostPattern(rules.network, url)) {
    throw new HostFault('EgressDenied', `fetch to ${host} is not allowed: ${rules.extensionId} has no permissions.network entry for it`, {
      extensionId: rules.extensionId,
      host,
    });
  }
  if (!matchesAnyHostPattern(rules.tenantAllow, url)) {
    throw new HostFault('EgressDenied', `fetch to ${host} is not allowed by the tenant's egress policy`, { extensionId: rules.extensionId, host });
  }
  return url;
}

const HANDLE = new RegExp(`${SECRET_HANDLE_PREFIX.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}([A-Za-z_][A-Za-z0-9_]{0,127})`, 'g');

export interface SubstitutedHeaders {
  headers: Array<[string, string]>;
  redactor: Redactor;
}

/** Replaces `penny-secret:NAME` in header values with the real secret. Call after `checkEgress`. */
export async function substituteSecrets(
  rules: EgressRules,
  headers: ReadonlyArray<readonly [string, string]>,
  resolve: (name: string) => Promise<string>,
): Promise<SubstitutedHeaders> {
  const names = new Set<string>();
  for (const [, value] of headers) for (const match of value.matchAll(HANDLE)) names.add(match[1]!);
  const values = new Map<string, string>();
  for (const name of names) {
    if (!rules.secrets.has(name)) {
      throw new HostFault('PermissionDenied', `secret "${name}" is not granted to ${rules.extensionId} (permissions.secrets)`, {
        extensionId: rules.extensionId,
      });
    }
    const value = await resolve(name);
    if (/[\r\n\0]/.test(value)) throw new HostFault('InvalidArguments', `secret "${name}" cannot be sent in a header`);
    values.set(name, value);
  }
  return {
    headers: headers.map(([name, value]) => [name, value.replace(HANDLE, (whole, secret: string) => values.get(secret) ?? whole)]),
    redactor: new Redactor([...values].map(([name, value]) => ({ value, handle: `${SECRET_HANDLE_PREFIX}${name}` }))),
  };
}

interface Replacement {
  value: Buffer;
  handle: Buffer;
  text: string;
  handleText: string;
}

/** Replaces secret values with their handles, in strings and in byte streams split anywhere. */
export class Redactor {
  private readonly replacements: Replacement[];
  private carry: Buffer = Buffer.alloc(0);

  constructor(secrets: ReadonlyArray<{ value: string; handle: string }>) {
    this.replacements = secrets
      .filter((s) => s.value.length > 0)
      .map((s) => ({ value: Buffer.from(s.value), handle: Buffer.from(s.handle), text: s.value, handleText: s.handle }))
      .sort((a, b) => b.value.length - a.value.length);
  }

  get active(): boolean {
    return this.replacements.length > 0;
  }

  redactText(text: string): string {
    let out = text;
    for (const r of this.replacements) out = out.split(r.text).join(r.handleText);
    return out;
  }

  /** Returns the bytes that are safe to release; a possible partial secret at the end is held back. */
  push(chunk: Uint8Array): Uint8Array {
    if (!this.active) return chunk;
    return this.scan(Buffer.concat([this.carry, chunk]), false);
  }

  /** Releases whatever was held back once the stream ended. */
  end(): Uint8Array {
    if (!this.active) return new Uint8Array(0);
    return this.scan(this.carry, true);
  }

  private scan(data: Buffer, final: boolean): Uint8Array {
    const out: Buffer[] = [];
    let index = 0;
    for (;;) {
      let best: { at: number; r: Replacement } | undefined;
      for (const r of this.replacements) {
        const at = data.indexOf(r.value, index);
        if (at >= 0 && (!best || at < best.at)) best = { at, r };
      }
      if (!best) break;
      out.push(data.subarray(index, best.at), best.r.handle);
      index = best.at + best.r.value.length;
    }
    let hold = 0;
    if (!final) {
      const longest = this.replacements[0]!.value.length;
      for (let k = Math.min(longest - 1, data.length - index); k > 0 && hold === 0; k--) {
        const tail = data.subarray(data.length - k);
        if (this.replacements.some((r) => r.value.length > k && r.value.subarray(0, k).equals(tail))) hold = k;
      }
    }
    out.push(data.subarray(index, data.length - hold));
    this.carry = Buffer.from(data.subarray(data.length - hold));
    return new Uint8Array(Buffer.concat(out));
  }
}
