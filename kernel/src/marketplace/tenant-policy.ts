// The extension part of a tenant's policy (`tenant.settings.policy`): which publishers, hosts,
// secrets, datasources and sidecars an installed extension may be granted. It is judged against
// a manifest before install, update, rollback and enable, and again whenever the policy changes.
import type { PermissionSet } from '@penny/marketplace';
import type { JsonSchema } from '../http/schemas.ts';

/** `true` or absent: no restriction; `false`: none at all; `{ allow }`: only those listed. */
export type PermissionRule = boolean | { allow: string[] };

export interface ExtensionPolicy {
  /** Host patterns extensions may reach (`*` for any); also the tenant's egress allow-list. */
  network?: { allow: string[] };
  secrets?: PermissionRule;
  datasources?: PermissionRule;
  sidecars?: PermissionRule;
  /** Publisher ids whose extensions may be installed at all. */
  publishers?: { allow: string[] };
}

/** The members of `settings.policy` this feature owns; other members belong to other features. */
export const EXTENSION_POLICY_KEYS = ['network', 'secrets', 'datasources', 'sidecars', 'publishers'] as const;

const allowList = (pattern?: string): JsonSchema => ({
  type: 'object',
  properties: { allow: { type: 'array', maxItems: 500, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 253, ...(pattern ? { pattern } : {}) } } },
  required: ['allow'],
  additionalProperties: false,
});
const rule: JsonSchema = { anyOf: [{ type: 'boolean' }, allowList()] };
const HOST_OR_ANY = '^(\\*|(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?)$';

export const extensionPolicySchema: JsonSchema = {
  type: 'object',
  properties: { network: allowList(HOST_OR_ANY), secrets: rule, datasources: rule, sidecars: rule, publishers: allowList('^[a-z0-9][a-z0-9-]{0,63}$') },
  additionalProperties: false,
};

export function extensionPolicyOf(policy: unknown): ExtensionPolicy {
  if (!policy || typeof policy !== 'object') return {};
  const source = policy as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of EXTENSION_POLICY_KEYS) if (source[key] !== undefined) picked[key] = source[key];
  return picked as ExtensionPolicy;
}

function splitHost(pattern: string): { host: string; port: string | null } {
  const bracketEnd = pattern.lastIndexOf(']');
  const colon = pattern.lastIndexOf(':');
  if (colon > bracketEnd && (bracketEnd >= 0 || pattern.indexOf(':') === colon)) return { host: pattern.slice(0, colon), port: pattern.slice(colon + 1) };
  return { host: pattern, port: null };
}

/**
 * Whether an allowed pattern covers everything a declared pattern could reach: `*.example.com`
 * covers `api.example.com` and `*.example.com`, but `api.example.com` does not cover `*.example.com`.
 */
export function hostCovered(allowed: string, declared: string): boolean {
  const a = splitHost(allowed.trim().toLowerCase());
  const d = splitHost(declared.trim().toLowerCase());
  if (a.host === '*') return true;
  if (a.port !== null && a.port !== d.port) return false;
  if (a.host.startsWith('*.')) {
    const suffix = a.host.slice(1);
    return d.host.endsWith(suffix) && d.host.length > suffix.length;
  }
  return a.host === d.host;
}

function ruleViolations(rule: PermissionRule | undefined, declared: string[], what: string): string[] {
  if (rule === undefined || rule === true || declared.length === 0) return [];
  if (rule === false) return [`the tenant policy allows no ${what}, but the extension asks for ${declared.join(', ')}`];
  const refused = declared.filter((name) => !rule.allow.includes(name));
  return refused.length ? [`the tenant policy does not allow the ${what} ${refused.join(', ')} (allowed: ${rule.allow.join(', ') || 'none'})`] : [];
}

/** Every reason the policy refuses an extension asking for `declared`; empty when it may be granted. */
export function policyViolations(policy: ExtensionPolicy, publisher: string, declared: PermissionSet): string[] {
  const reasons: string[] = [];
  if (policy.publishers && !policy.publishers.allow.includes(publisher)) {
    reasons.push(`the tenant policy does not allow extensions from the publisher "${publisher}" (allowed: ${policy.publishers.allow.join(', ') || 'none'})`);
  }
  if (policy.network) {
    const refused = declared.network.filter((host) => !policy.network!.allow.some((allowed) => hostCovered(allowed, host)));
    if (refused.length) reasons.push(`the tenant policy does not allow network access to ${refused.join(', ')} (allowed: ${policy.network.allow.join(', ') || 'none'})`);
  }
  reasons.push(...ruleViolations(policy.secrets, declared.secrets, 'secrets'));
  reasons.push(...ruleViolations(policy.datasources, declared.datasources, 'datasources'));
  reasons.push(...ruleViolations(policy.sidecars, declared.sidecars, 'sidecars'));
  return reasons;
}
