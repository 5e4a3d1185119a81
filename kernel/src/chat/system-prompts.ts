// The system prompt a conversation's model gets: the tenant's template (or Penny's default), then
// the workspace's template, in the conversation's language, with {{tenant}}, {{workspace}},
// {{user}} and {{date}} filled in.
import { inject, injectable } from 'inversify';
import { TenantSettings, type TenantSnapshot } from '../tenancy/tenant-settings.service.ts';
import type { Language, PromptTemplates, TenantSettingsView, WorkspaceSettingsView } from '../tenancy/tenant-settings.schema.ts';
import { DEFAULT_SYSTEM_PROMPTS } from './context-window.ts';

export interface PromptRequest {
  tenantId: string;
  workspaceId: string | null;
  /** The signed-in user's language, when known; else the tenant's. */
  language?: Language | null;
  /** The user's display name for {{user}}. */
  user?: string;
  /** For {{date}}; defaults to now. */
  now?: Date;
}

export interface ResolvedPrompt {
  text: string;
  language: Language;
}

export interface PromptLayers {
  tenantName: string;
  workspaceName: string | null;
  tenant: Pick<TenantSettingsView, 'language' | 'systemPrompts'>;
  workspace: Pick<WorkspaceSettingsView, 'systemPrompts'>;
}

const other = (lang: Language): Language => (lang === 'en' ? 'es' : 'en');

/** A template in the language, else in the other one (a prompt in the wrong language beats none). */
function pick(templates: PromptTemplates, lang: Language): string | undefined {
  const text = templates[lang]?.trim() || templates[other(lang)]?.trim();
  return text || undefined;
}

/** Fills `{{name}}` (spaces inside the braces allowed); names it does not know stay as written. */
export function substitute(template: string, variables: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(variables, name) ? variables[name]! : whole));
}

/**
 * Composition: the tenant's template replaces Penny's default; the workspace's template is added
 * after it (so a workspace narrows the tenant's rules, never drops them).
 */
export function composeSystemPrompt(layers: PromptLayers, request: Pick<PromptRequest, 'language' | 'user' | 'now'>): ResolvedPrompt {
  const language = request.language ?? layers.tenant.language ?? 'en';
  const base = pick(layers.tenant.systemPrompts, language) ?? DEFAULT_SYSTEM_PROMPTS[language];
  const workspace = pick(layers.workspace.systemPrompts, language);
  const template = workspace ? `${base}\n\n${workspace}` : base;
  const text = substitute(template, {
    tenant: layers.tenantName,
    workspace: layers.workspaceName ?? '',
    user: request.user ?? '',
    date: (request.now ?? new Date()).toISOString().slice(0, 10),
  });
  return { text, language };
}

/** The layers for one workspace of a snapshot (an unknown workspace has no template). */
export function promptLayers(snapshot: TenantSnapshot, workspaceId: string | null): PromptLayers {
  const workspace = workspaceId ? snapshot.workspaces.get(workspaceId) : undefined;
  return { tenantName: snapshot.tenantName, workspaceName: workspace?.name ?? null, tenant: snapshot.tenant, workspace: workspace?.settings ?? { systemPrompts: {} } };
}

@injectable()
export class SystemPrompts {
  constructor(@inject(TenantSettings) private readonly settings: TenantSettings) {}

  /** At most one indexed query per tenant every few seconds (see SETTINGS_CACHE_MS). */
  async resolve(request: PromptRequest): Promise<ResolvedPrompt> {
    return this.compose(await this.settings.snapshot(request.tenantId), request);
  }

  /** Without any query, from a snapshot taken earlier (e.g. before a transaction was opened). */
  compose(snapshot: TenantSnapshot, request: Omit<PromptRequest, 'tenantId'>): ResolvedPrompt {
    return composeSystemPrompt(promptLayers(snapshot, request.workspaceId), request);
  }
}
