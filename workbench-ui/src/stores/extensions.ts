// Extensions of the current tenant: what is installed, the marketplace catalog, and the publisher
// keys the tenant trusts. Any change reloads the contributions, so new tools, commands and themes
// appear at once.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { api } from '../api/http.ts';
import type { CatalogExtension, Installation, PermissionSet, PublisherKey, TrustedKey } from '../api/types.ts';
import { useContributionsStore } from './contributions.ts';
import { useSessionStore } from './session.ts';

const path = (extensionId: string) => `/v1/extensions/${encodeURIComponent(extensionId)}`;

export const useExtensionsStore = defineStore('extensions', () => {
  const session = useSessionStore();
  const contributions = useContributionsStore();
  const installed = ref<Installation[]>([]);
  const catalog = ref<CatalogExtension[]>([]);
  const trustedKeys = ref<TrustedKey[]>([]);
  const publisherKeys = ref<PublisherKey[]>([]);

  async function loadInstalled(): Promise<void> {
    installed.value = await api.get<Installation[]>('/v1/extensions');
  }

  async function loadCatalog(query = ''): Promise<void> {
    catalog.value = await api.get<CatalogExtension[]>('/v1/marketplace/extensions', { query: { q: query.trim() || undefined } });
  }

  async function loadKeys(): Promise<void> {
    const [trusted, registered] = await Promise.all([api.get<TrustedKey[]>('/v1/marketplace/trusted-keys'), api.get<PublisherKey[]>('/v1/marketplace/keys')]);
    trustedKeys.value = trusted;
    publisherKeys.value = registered;
  }

  function replace(next: Installation): void {
    const exists = installed.value.some((i) => i.extensionId === next.extensionId);
    installed.value = exists ? installed.value.map((i) => (i.extensionId === next.extensionId ? next : i)) : [...installed.value, next];
    catalog.value = catalog.value.map((c) => (c.extensionId === next.extensionId ? { ...c, installedVersion: next.version } : c));
  }

  async function changed<T>(work: Promise<T>): Promise<T> {
    const result = await work;
    await contributions.load().catch(() => undefined);
    return result;
  }

  /** The admin reviewed and accepted exactly the permissions the version declares. */
  async function install(extensionId: string, version: string, acceptPermissions: PermissionSet): Promise<Installation> {
    const result = await changed(api.post<Installation>('/v1/extensions/install', { extensionId, version, acceptPermissions }));
    replace(result);
    return result;
  }

  async function update(extensionId: string, acceptPermissions?: PermissionSet): Promise<Installation> {
    const result = await changed(api.post<Installation>(`${path(extensionId)}/update`, acceptPermissions ? { acceptPermissions } : {}));
    replace(result);
    return result;
  }

  async function setEnabled(extensionId: string, enabled: boolean): Promise<Installation> {
    const result = await changed(api.post<Installation>(`${path(extensionId)}/${enabled ? 'enable' : 'disable'}`, {}));
    replace(result);
    return result;
  }

  async function uninstall(extensionId: string): Promise<void> {
    await changed(api.delete(path(extensionId)));
    installed.value = installed.value.filter((i) => i.extensionId !== extensionId);
    catalog.value = catalog.value.map((c) => (c.extensionId === extensionId ? { ...c, installedVersion: null } : c));
  }

  async function trustKey(keyId: string): Promise<void> {
    await api.post('/v1/marketplace/trusted-keys', { keyId });
    await Promise.all([loadKeys(), loadCatalog()]);
  }

  /** Returns the extensions the kernel disabled because they were signed with that key. */
  async function distrustKey(keyId: string): Promise<string[]> {
    const result = await changed(api.delete<{ disabled: string[] }>(`/v1/marketplace/trusted-keys/${encodeURIComponent(keyId)}`));
    await Promise.all([loadKeys(), loadInstalled(), loadCatalog()]);
    return result.disabled;
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      installed.value = [];
      catalog.value = [];
      trustedKeys.value = [];
    },
  );

  return { installed, catalog, trustedKeys, publisherKeys, loadInstalled, loadCatalog, loadKeys, install, update, setEnabled, uninstall, trustKey, distrustKey };
});
