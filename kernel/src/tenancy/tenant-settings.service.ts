// Tenant and workspace settings (default model, external-model policy, language, system prompt
// templates, theme, public links) kept in their `settings` jsonb, beside members owned by other
// features (e.g. `policy`), which are left untouched. The chat path reads them through a short cache.
import { inject, injectable } from 'inversify';
import { AuditLog } from '../audit/audit.service.ts';
import { EventBus } from '../bus/event-bus.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { Database } from '../database/database.service.ts';
import { isRole, type Role } from '../rbac/permissions.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { ModelRouter, type ModelPreference } from '../chat/model-router.ts';
import {
  checkFontStack,
  checkLogoUrl,
  UnprocessableSettingError,
  type Language,
  type ModelRef,
  type PromptTemplates,
  type TenantSettingsPatch,
  type TenantSettingsView,
  type Theme,
  type ThemePatch,
  type WorkspacePatch,
  type WorkspaceSettingsView,
} from './tenant-settings.schema.ts';

/**
 * What answering in any conversation of a tenant needs: the tenant's settings and every
 * workspace's (a tenant has few workspaces), read together so the chat path can look them up
 * without a query, even inside its own transaction.
 */
export interface TenantSnapshot {
  tenantId: string;
  tenantName: string;
  tenant: TenantSettingsView;
  workspaces: ReadonlyMap<string, { name: string; settings: WorkspaceSettingsView }>;
}

/**
 * The workspace's default model as a wish for `ModelRouter.order`/`candidates` (after the explicit
 * and conversation choices, before the tenant default); empty when the workspace has none.
 */
export function workspaceDefault(snapshot: TenantSnapshot, workspaceId: string | null): ModelPreference & { reason: string } {
  const ref = workspaceId ? snapshot.workspaces.get(workspaceId)?.settings.defaultModel : null;
  return { provider: ref?.provider ?? null, model: ref?.model ?? null, reason: 'workspace default' };
}

/**
 * How long the chat path reuses what it read. A change through this kernel drops it at once;
 * another kernel sees the change within this time.
 */
export const SETTINGS_CACHE_MS = 5000;

type Stored = Record<string, unknown>;

const isModelRef = (v: unknown): v is ModelRef =>
  !!v && typeof v === 'object' && typeof (v as ModelRef).provider === 'string' && typeof (v as ModelRef).model === 'string';

function prompts(v: unknown): PromptTemplates {
  const out: PromptTemplates = {};
  if (v && typeof v === 'object') for (const lang of ['en', 'es'] as const) if (typeof (v as Stored)[lang] === 'string') out[lang] = (v as Record<string, string>)[lang];
  return out;
}

export function tenantSettingsView(stored: Stored | null | undefined): TenantSettingsView {
  const s = stored ?? {};
  return {
    defaultModel: isModelRef(s.defaultModel) ? { provider: s.defaultModel.provider, model: s.defaultModel.model } : null,
    noExternalModels: s.noExternalModels === true,
    language: s.language === 'es' ? 'es' : 'en',
    systemPrompts: prompts(s.systemPrompts),
    theme: s.theme && typeof s.theme === 'object' ? (s.theme as Theme) : {},
    allowPublicShares: s.allowPublicShares !== false,
    toolRoles: Object.fromEntries(
      Object.entries(s.toolRoles && typeof s.toolRoles === 'object' ? (s.toolRoles as Record<string, unknown>) : {}).filter((entry): entry is [string, Role] => isRole(entry[1])),
    ),
  };
}

export function workspaceSettingsView(stored: Stored | null | undefined): WorkspaceSettingsView {
  const s = stored ?? {};
  return { systemPrompts: prompts(s.systemPrompts), defaultModel: isModelRef(s.defaultModel) ? { provider: s.defaultModel.provider, model: s.defaultModel.model } : null };
}

/** Merge patch for a flat record: `null` (or an empty prompt) removes a member. */
function mergeFlat<T extends Record<string, unknown>>(current: T, patch: Record<string, unknown> | null): T {
  if (patch === null) return {} as T;
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === '') delete out[k];
    else out[k] = v;
  }
  return out as T;
}

function mergeTheme(current: Theme, patch: ThemePatch | null): Theme {
  if (patch === null) return {};
  const { colors, ...rest } = patch;
  const out = mergeFlat(current as Record<string, unknown>, rest) as Theme;
  if (colors !== undefined) {
    const merged = mergeFlat(current.colors ?? {}, colors);
    if (Object.keys(merged).length) out.colors = merged;
    else delete out.colors;
  }
  return out;
}

@injectable()
export class TenantSettings {
  private readonly cache = new Map<string, { at: number; value: Promise<TenantSnapshot> }>();

  constructor(
    @inject(Database) private readonly db: Database,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(ModelRouter) private readonly router: ModelRouter,
    @inject(EventBus) bus: EventBus,
  ) {
    // A new workspace must be known by name at once ({{workspace}}), on every kernel.
    bus.on('workspace.created', ({ tenantId }) => {
      this.cache.delete(tenantId);
    });
  }

  async get(tenant: TenantContext): Promise<TenantSettingsView> {
    const [row] = await this.db.tenant(tenant.tenantId, (em) => em.execute<{ settings: Stored }[]>(`SELECT settings FROM tenant`));
    if (!row) throw new NotFoundError('The tenant was not found.');
    return tenantSettingsView(row.settings);
  }

  /** The theme every member's workbench applies. */
  async theme(tenant: TenantContext): Promise<Theme & { language: Language }> {
    const settings = await this.get(tenant);
    return { ...settings.theme, language: settings.language };
  }

  /** A default model must be one the tenant can use now (and a local one when external models are off). */
  private async checkModel(tenantId: string, ref: ModelRef, noExternal: boolean, path: string): Promise<void> {
    const { all } = await this.router.available(tenantId);
    const match = all.find((c) => c.providerId === ref.provider && c.model === ref.model);
    if (!match) {
      const offered = all.map((c) => `${c.providerId}/${c.model}`).join(', ') || 'none (no provider is configured)';
      throw new UnprocessableSettingError(`No usable provider of this tenant offers ${ref.provider}/${ref.model}; available: ${offered}.`, [
        { path, message: `${ref.provider}/${ref.model} is not an available model` },
      ]);
    }
    if (noExternal && !match.local) {
      throw new UnprocessableSettingError(`${ref.provider}/${ref.model} is an external model and this tenant allows only local ones (noExternalModels).`, [
        { path, message: 'is an external model while noExternalModels is on' },
      ]);
    }
  }

  async update(tenant: TenantContext, actor: Principal, patch: TenantSettingsPatch, ip: string): Promise<TenantSettingsView> {
    if (typeof patch.theme?.logoUrl === 'string') checkLogoUrl(patch.theme.logoUrl);
    if (typeof patch.theme?.fontStack === 'string') checkFontStack(patch.theme.fontStack);
    const current = await this.get(tenant);
    if (patch.defaultModel) await this.checkModel(tenant.tenantId, patch.defaultModel, patch.noExternalModels ?? current.noExternalModels, 'body.defaultModel');
    const next = await this.db.tenant(tenant.tenantId, async (em) => {
      const [row] = await em.execute<{ settings: Stored }[]>(`SELECT settings FROM tenant FOR UPDATE`);
      const now = tenantSettingsView(row?.settings);
      const mine: Stored = {};
      if (patch.defaultModel !== undefined) mine.defaultModel = patch.defaultModel;
      if (patch.noExternalModels !== undefined) mine.noExternalModels = patch.noExternalModels;
      if (patch.language !== undefined) mine.language = patch.language;
      if (patch.systemPrompts !== undefined) mine.systemPrompts = mergeFlat(now.systemPrompts, patch.systemPrompts);
      if (patch.theme !== undefined) mine.theme = mergeTheme(now.theme, patch.theme);
      if (patch.allowPublicShares !== undefined) mine.allowPublicShares = patch.allowPublicShares;
      if (patch.toolRoles !== undefined) mine.toolRoles = mergeFlat(now.toolRoles, patch.toolRoles);
      // Only the members this feature owns are replaced; the rest of the jsonb stays as it was.
      const [updated] = await em.execute<{ settings: Stored }[]>(`UPDATE tenant SET settings = settings || ?::jsonb RETURNING settings`, [JSON.stringify(mine)]);
      await this.audit.append(em, {
        tenantId: tenant.tenantId,
        actorId: actor.userId,
        actor: actor.email,
        action: 'tenant.settingsChanged',
        target: `tenant:${tenant.tenantId}`,
        payload: { changed: Object.keys(mine).sort(), settings: mine },
        ip,
      });
      return tenantSettingsView(updated?.settings);
    });
    this.invalidate(tenant.tenantId);
    return next;
  }

  async workspace(tenant: TenantContext, workspaceId: string): Promise<WorkspaceSettingsView> {
    const [row] = await this.db.tenant(tenant.tenantId, (em) => em.execute<{ settings: Stored }[]>(`SELECT settings FROM workspace WHERE id = ?`, [workspaceId]));
    if (!row) throw new NotFoundError(`No workspace ${workspaceId} in this tenant.`);
    return workspaceSettingsView(row.settings);
  }

  async updateWorkspace(
    tenant: TenantContext,
    actor: Principal,
    workspaceId: string,
    patch: WorkspacePatch,
    ip: string,
  ): Promise<{ id: string; name: string; description: string; createdAt: string; settings: WorkspaceSettingsView }> {
    if (patch.defaultModel) {
      const { noExternalModels } = await this.get(tenant);
      await this.checkModel(tenant.tenantId, patch.defaultModel, noExternalModels, 'body.defaultModel');
    }
    const result = await this.db.tenant(tenant.tenantId, async (em) => {
      const [ws] = await em.execute<{ name: string; settings: Stored }[]>(`SELECT name, settings FROM workspace WHERE id = ? FOR UPDATE`, [workspaceId]);
      if (!ws) throw new NotFoundError(`No workspace ${workspaceId} in this tenant.`);
      if (patch.name !== undefined && patch.name !== ws.name) {
        const [taken] = await em.execute(`SELECT 1 FROM workspace WHERE name = ? AND id <> ?`, [patch.name, workspaceId]);
        if (taken) throw new ConflictError(`A workspace named "${patch.name}" already exists in this tenant.`);
      }
      const now = workspaceSettingsView(ws.settings);
      const mine: Stored = {};
      if (patch.systemPrompts !== undefined) mine.systemPrompts = mergeFlat(now.systemPrompts, patch.systemPrompts);
      if (patch.defaultModel !== undefined) mine.defaultModel = patch.defaultModel;
      const [row] = await em.execute<{ id: string; name: string; description: string; created_at: Date; settings: Stored }[]>(
        `UPDATE workspace SET name = coalesce(?, name), description = coalesce(?, description), settings = settings || ?::jsonb WHERE id = ?
         RETURNING id, name, description, created_at, settings`,
        [patch.name ?? null, patch.description ?? null, JSON.stringify(mine), workspaceId],
      );
      await this.audit.append(em, {
        tenantId: tenant.tenantId,
        actorId: actor.userId,
        actor: actor.email,
        action: 'workspace.updated',
        target: `workspace:${workspaceId}`,
        payload: { changed: Object.keys(patch).sort(), ...patch },
        ip,
      });
      return row!;
    });
    this.invalidate(tenant.tenantId);
    return { id: result.id, name: result.name, description: result.description, createdAt: new Date(result.created_at).toISOString(), settings: workspaceSettingsView(result.settings) };
  }

  /** Drops what the chat path cached for a tenant, here and in the model router. */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
    this.router.invalidate(tenantId);
  }

  /**
   * The tenant's and its workspaces' settings: one indexed query, then served from memory for
   * SETTINGS_CACHE_MS. It names the tenant explicitly and runs outside any tenant transaction, so
   * call it before opening one (never inside: the embedded database has a single session).
   */
  snapshot(tenantId: string): Promise<TenantSnapshot> {
    const hit = this.cache.get(tenantId);
    if (hit && performance.now() - hit.at < SETTINGS_CACHE_MS) return hit.value;
    const value = this.db
      .query<{ name: string; settings: Stored; workspaces: { id: string; name: string; settings: Stored }[] }>(
        `SELECT t.name, t.settings,
           coalesce((SELECT jsonb_agg(jsonb_build_object('id', w.id, 'name', w.name, 'settings', w.settings)) FROM workspace w WHERE w.tenant_id = t.id), '[]'::jsonb) AS workspaces
         FROM tenant t WHERE t.id = ?`,
        [tenantId],
      )
      .then(([row]): TenantSnapshot => {
        if (!row) throw new NotFoundError('The tenant was not found.');
        return {
          tenantId,
          tenantName: row.name,
          tenant: tenantSettingsView(row.settings),
          workspaces: new Map(row.workspaces.map((w) => [w.id, { name: w.name, settings: workspaceSettingsView(w.settings) }])),
        };
      });
    this.cache.set(tenantId, { at: performance.now(), value });
    value.catch(() => this.cache.delete(tenantId));
    return value;
  }

  /** `workspaceDefault` for callers that have no snapshot at hand. */
  async workspaceDefaultModel(tenantId: string, workspaceId: string | null): Promise<ModelPreference & { reason: string }> {
    return workspaceDefault(await this.snapshot(tenantId), workspaceId);
  }
}
