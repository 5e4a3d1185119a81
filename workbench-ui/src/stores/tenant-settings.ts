// The current tenant's own record and its settings the API exposes today: the extension and egress
// policy (network allow-list, publishers, secrets, datasources, sidecars).
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { api } from '../api/http.ts';
import type { ExtensionPolicy, PolicyChange, Tenant } from '../api/types.ts';
import { useContributionsStore } from './contributions.ts';
import { useSessionStore } from './session.ts';

export const useTenantSettingsStore = defineStore('tenantSettings', () => {
  const session = useSessionStore();
  const contributions = useContributionsStore();
  const tenant = ref<Tenant | null>(null);
  const policy = ref<ExtensionPolicy | null>(null);

  async function load(): Promise<void> {
    const [record, current] = await Promise.all([api.get<Tenant>('/v1/tenant'), api.get<ExtensionPolicy>('/v1/marketplace/policy')]);
    tenant.value = record;
    policy.value = current;
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
    },
  );

  return { tenant, policy, load, savePolicy };
});
