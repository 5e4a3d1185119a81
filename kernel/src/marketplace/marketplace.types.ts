// Shapes shared by the marketplace services and routes: who acts, what a manifest contributes and
// asks for, in the form tenant admins review.
import type { FastifyRequest } from 'fastify';
import { isDowngrade, permissionsOf, type PermissionSet } from '@penny/marketplace';
import type { ExtensionManifest } from '@penny/manifests';
import { principalOf } from '../http/access.ts';

export interface Actor {
  id: string | null;
  /** Email, or "system" for work the kernel does by itself. */
  label: string;
  ip?: string | null;
}

export const SYSTEM_ACTOR: Actor = { id: null, label: 'system' };

export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return { id: principal.userId, label: principal.email, ip: request.ip };
}

export type { PermissionSet };

export const PERMISSION_KINDS = ['network', 'secrets', 'datasources', 'sidecars'] as const;

export const NO_PERMISSIONS: PermissionSet = { network: [], secrets: [], datasources: [], sidecars: [] };

/** What a manifest asks for, normalised the way `comparePermissions` compares it. */
export function declaredPermissions(manifest: ExtensionManifest): PermissionSet {
  return permissionsOf(manifest);
}

/** Normalises an acceptance sent by a client the same way as declared permissions. */
export function normalizePermissions(input: Partial<PermissionSet> | undefined): PermissionSet {
  const norm = (list: string[] | undefined, lower = false) => [...new Set((list ?? []).map((v) => (lower ? v.trim().toLowerCase().replace(/\.$/, '') : v)))].sort();
  return { network: norm(input?.network, true), secrets: norm(input?.secrets), datasources: norm(input?.datasources), sidecars: norm(input?.sidecars) };
}

export function samePermissions(a: PermissionSet, b: PermissionSet): boolean {
  return PERMISSION_KINDS.every((kind) => a[kind].length === b[kind].length && a[kind].every((v, i) => v === b[kind][i]));
}

export function isEmptyPermissionSet(set: PermissionSet): boolean {
  return PERMISSION_KINDS.every((kind) => set[kind].length === 0);
}

/** "network: api.example.com; secrets: API_KEY", or "nothing". */
export function describePermissions(set: PermissionSet): string {
  const parts = PERMISSION_KINDS.filter((kind) => set[kind].length).map((kind) => `${kind}: ${set[kind].join(', ')}`);
  return parts.length ? parts.join('; ') : 'nothing';
}

/** Ascending semantic-version order. */
export function compareVersions(a: string, b: string): number {
  return isDowngrade(a, b) ? 1 : isDowngrade(b, a) ? -1 : 0;
}

export interface ContributionItem {
  id: string;
  title: string;
}

export type ContributionSummary = Record<'tools' | 'modelProviders' | 'artifactRenderers' | 'widgets' | 'dashboards' | 'commands' | 'themes' | 'sidecars', ContributionItem[]>;

/** What an extension adds to the workbench, read from its manifest (no code runs). */
export function contributionsOf(manifest: ExtensionManifest): ContributionSummary {
  const c = manifest.contributes ?? {};
  return {
    tools: (c.tools ?? []).map((t) => ({ id: t.name, title: t.description })),
    modelProviders: (c.modelProviders ?? []).map((p) => ({ id: p.id, title: p.displayName })),
    artifactRenderers: (c.artifactRenderers ?? []).map((r) => ({ id: r.id, title: `${r.displayName} (${r.mimeTypes.join(', ')})` })),
    widgets: (c.widgets ?? []).map((w) => ({ id: w.id, title: w.title })),
    dashboards: (c.dashboards ?? []).map((d) => ({ id: d.slug, title: d.title })),
    commands: (c.commands ?? []).map((x) => ({ id: x.id, title: x.title })),
    themes: (c.themes ?? []).map((t) => ({ id: t.id, title: t.label })),
    sidecars: (c.sidecars ?? []).map((s) => ({ id: s.id, title: s.command })),
  };
}
