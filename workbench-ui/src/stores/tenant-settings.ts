// The current tenant's own record and settings: the extension and egress policy (network
// allow-list, publishers, secrets, datasources, sidecars), and the tenant settings proper (default
// model, external-model policy, language, system prompts, white-label theme).
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { api, ApiError } from '../api/http.ts';
import type { ExtensionPolicy, ModelOption, PolicyChange, Tenant, TenantSettings, TenantSettingsPatch } from '../api/types.ts';
import { useTenantThemeStore } from '../theme/tenant-theme.ts';
import { useContributionsStore } from './contributions.ts';
import { useSessionStore } from './session.ts';

/** GET /v1/models: the models the tenant may use now, or why there are none. */
interface ModelListing {
  configured: boolean;
  help?: string;
  models: ModelOption[];
}

export const useTenantSettingsStore = defineStore('tenantSettings', () => {
  const session = useSessionStore();
  const contributions = useContributionsStore();
  const brand = useTenantThemeStore();
  const tenant = ref<Tenant | null>(null);
  const policy = ref<ExtensionPolicy | null>(null);
  const settings = ref<TenantSettings | null>(null);
  const models = ref<ModelOption[]>([]);
  /** False when this kernel has no tenant settings API. */
  const settingsAvailable = ref(true);

  async function load(): Promise<void> {
    const [record, current] = await Promise.all([api.get<Tenant>('/v1/tenant'), api.get<ExtensionPolicy>('/v1/marketplace/policy')]);
    tenant.value = record;
    policy.value = current;
  }

  async function loadSettings(): Promise<void> {
    try {
      const [current, offered] = await Promise.all([
        api.get<TenantSettings>('/v1/tenant/settings'),
        api.get<ModelListing | ModelOption[]>('/v1/models').catch(() => [] as ModelOption[]),
      ]);
      settings.value = current;
      models.value = Array.isArray(offered) ? offered : offered.models;
      settingsAvailable.value = true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) settingsAvailable.value = false;
      else throw error;
    }
  }

  /** Saves the fields given; field errors come back as ApiError.fieldErrors (`body.theme.colors.primary`). */
  async function saveSettings(patch: TenantSettingsPatch): Promise<void> {
    settings.value = await api.patch<TenantSettings>('/v1/tenant/settings', patch);
    if ('theme' in patch) brand.adopt(settings.value.theme ?? null);
  }

  /** Returns the extensions the new policy disabled. */
  async function savePolicy(next: ExtensionPolicy): Promise<PolicyChange['disabled']> {
    const change = await api.put<PolicyChange>('/v1/marketplace/policy', next);
    policy.value = change.policy;
    if (change.disabled.length) await contributions.load().catch(() => undefined);
    return change.disabled;
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      tenant.value = null;
      policy.value = null;
      settings.value = null;
      models.value = [];
    },
  );

  return { tenant, policy, settings, models, settingsAvailable, load, loadSettings, saveSettings, savePolicy };
});

/** The message for one field of a failed save, matched on the kernel's path (`body.` is optional). */
export function fieldError(error: unknown, path: string): string | null {
  if (!(error instanceof ApiError)) return null;
  const hit = error.fieldErrors.find((e) => e.path === path || e.path === `body.${path}` || e.path.startsWith(`body.${path}.`));
  return hit ? hit.message : null;
}
