// Which provider and model answer: the caller's explicit choice, else the conversation's, else the
// tenant's default, else the first enabled provider. A tenant flag "no external models" limits the
// choice to providers that declare themselves local. Later candidates are the fallbacks.
import { inject, injectable } from 'inversify';
import { ConflictError, NoProviderError, PolicyViolationError } from '../core/errors.ts';
import { Database } from '../database/database.service.ts';
import { INSTALLATION_EVENTS, InstalledExtensions, type InstalledExtension } from '../extensions/installed-extensions.ts';
import { ProviderEnvironment } from '../extensions/provider-environment.ts';
import { EventBus } from '../bus/event-bus.ts';

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

/** What a tenant can use now: every ready model, and those its policy allows. */
export interface AvailableModels {
  all: ModelChoice[];
  allowed: ModelChoice[];
  settings: TenantModelSettings;
}

/**
 * How long a tenant's view of its models is reused. Installs, updates, enablement and settings
 * of extensions drop it at once (on every kernel, through the bus); this bounds the rest
 * (tenant settings changed on another kernel) while keeping the chat path free of lookups.
 */
const AVAILABLE_TTL_MS = 2000;

@injectable()
export class ModelRouter {
  private readonly cache = new Map<string, { at: number; value: Promise<AvailableModels> }>();

  constructor(
    @inject(Database) private readonly db: Database,
    @inject(InstalledExtensions) private readonly installed: InstalledExtensions,
    @inject(ProviderEnvironment) private readonly environment: ProviderEnvironment,
    @inject(EventBus) bus: EventBus,
  ) {
    for (const event of INSTALLATION_EVENTS) {
      bus.on(event, (payload) => this.invalidate(payload.tenantId));
    }
  }

  /** Forget a tenant's cached models (its settings or an extension's secrets changed). */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /** Every usable model of the tenant; cached briefly (see AVAILABLE_TTL_MS). */
  available(tenantId: string): Promise<AvailableModels> {
    const hit = this.cache.get(tenantId);
    if (hit && performance.now() - hit.at < AVAILABLE_TTL_MS) return hit.value;
    const value = this.load(tenantId);
    this.cache.set(tenantId, { at: performance.now(), value });
    value.catch(() => this.cache.delete(tenantId));
    return value;
  }

  private async load(tenantId: string): Promise<AvailableModels> {
    const [settingsRows, secretRows] = await Promise.all([
      this.db.query<{ settings: TenantModelSettings }>(`SELECT settings FROM tenant WHERE id = ?`, [tenantId]),
      this.db.tenant(tenantId, (em) => em.execute<{ extension_id: string; name: string }[]>(`SELECT extension_id, name FROM extension_secret`)),
    ]);
    const settings = settingsRows[0]?.settings ?? {};
    const secrets = new Map<string, Set<string>>();
    for (const r of secretRows) secrets.set(r.extension_id, (secrets.get(r.extension_id) ?? new Set()).add(r.name));
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
    return { all, allowed: settings.noExternalModels ? all.filter((c) => c.local) : all, settings };
  }

  /** Every usable model of the tenant, in order of preference for the given wishes. */
  async candidates(tenantId: string, ...preferences: (ModelPreference & { reason: string })[]): Promise<ModelChoice[]> {
    return this.order(await this.available(tenantId), ...preferences);
  }

  /** Orders what is available by the wishes, then the tenant default, then the rest (the fallbacks). */
  order(available: AvailableModels, ...preferences: (ModelPreference & { reason: string })[]): ModelChoice[] {
    const { all, allowed, settings } = available;
    if (all.length === 0) throw new NoProviderError(NO_PROVIDER_HELP);
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
