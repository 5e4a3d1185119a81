// Which provider and model answer: the caller's explicit choice, else the conversation's, else the
// tenant's default, else the first enabled provider. A tenant flag "no external models" limits the
// choice to providers that declare themselves local. Later candidates are the fallbacks.
import { inject, injectable } from 'inversify';
import { ConflictError, PolicyViolationError } from '../core/errors.ts';
import { Database } from '../database/database.service.ts';
import { InstalledExtensions, type InstalledExtension } from '../extensions/installed-extensions.ts';
import { ProviderEnvironment } from '../extensions/provider-environment.ts';

export interface ModelChoice {
  installed: InstalledExtension;
  providerId: string;
  model: string;
  local: boolean;
  contextWindow: number;
  supportsTools: boolean;
  /** Why this one: `explicit`, `conversation`, `tenant default`, `first available`. */
  reason: string;
}

export interface ModelPreference {
  provider?: string | null;
  model?: string | null;
}

interface TenantModelSettings {
  defaultModel?: { provider?: string; model?: string };
  noExternalModels?: boolean;
}

export const NO_PROVIDER_HELP =
  'No model provider is configured for this tenant. An admin can install a provider extension (openai, anthropic, ollama or llama-cpp) ' +
  'from the marketplace, or start Penny with OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_HOST or PENNY_LOCAL_MODEL set.';

@injectable()
export class ModelRouter {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(InstalledExtensions) private readonly installed: InstalledExtensions,
    @inject(ProviderEnvironment) private readonly environment: ProviderEnvironment,
  ) {}

  private async secretNames(tenantId: string): Promise<Map<string, Set<string>>> {
    const rows = await this.db.tenant(tenantId, (em) => em.execute<{ extension_id: string; name: string }[]>(`SELECT extension_id, name FROM extension_secret`));
    const out = new Map<string, Set<string>>();
    for (const r of rows) out.set(r.extension_id, (out.get(r.extension_id) ?? new Set()).add(r.name));
    return out;
  }

  private async settings(tenantId: string): Promise<TenantModelSettings> {
    const [row] = await this.db.query<{ settings: TenantModelSettings }>(`SELECT settings FROM tenant WHERE id = ?`, [tenantId]);
    return row?.settings ?? {};
  }

  /** Every usable model of the tenant, in order of preference for the given wishes. */
  async candidates(tenantId: string, ...preferences: (ModelPreference & { reason: string })[]): Promise<ModelChoice[]> {
    const settings = await this.settings(tenantId);
    const secrets = await this.secretNames(tenantId);
    const all: ModelChoice[] = [];
    for (const ext of await this.installed.enabled(tenantId)) {
      // A provider without its key or address would only fail: it is not a candidate.
      if (!this.environment.ready(ext, secrets.get(ext.extensionId) ?? new Set())) continue;
      for (const p of ext.manifest.contributes?.modelProviders ?? []) {
        for (const m of p.models ?? []) {
          all.push({
            installed: ext,
            providerId: p.id,
            model: m.id,
            local: p.local === true,
            contextWindow: m.contextWindow ?? 8192,
            supportsTools: m.capabilities?.tools === true,
            reason: 'first available',
          });
        }
      }
    }
    if (all.length === 0) throw new ConflictError(NO_PROVIDER_HELP);
    const allowed = settings.noExternalModels ? all.filter((c) => c.local) : all;
    const wishes = [...preferences, { ...settings.defaultModel, reason: 'tenant default' }];
    const ordered: ModelChoice[] = [];
    for (const wish of wishes) {
      if (!wish.provider && !wish.model) continue;
      const match = all.find((c) => (!wish.provider || c.providerId === wish.provider) && (!wish.model || c.model === wish.model));
      if (!match) {
        if (wish.reason === 'explicit') throw new ConflictError(`No enabled provider offers ${wish.provider ?? ''}${wish.model ? ` model ${wish.model}` : ''}.`);
        continue;
      }
      if (!allowed.includes(match)) {
        if (wish.reason === 'explicit') throw new PolicyViolationError(`This tenant allows only local models; ${match.providerId} is external.`);
        continue;
      }
      if (!ordered.includes(match)) ordered.push({ ...match, reason: wish.reason });
    }
    for (const c of allowed) if (!ordered.some((o) => o.providerId === c.providerId && o.model === c.model)) ordered.push(c);
    if (ordered.length === 0) throw new PolicyViolationError('This tenant allows only local models, and no local provider is enabled.');
    return ordered;
  }
}
