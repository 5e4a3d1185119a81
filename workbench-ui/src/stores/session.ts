// Who is signed in, their tenants and the tenant the workbench acts in. The session lives in an
// HttpOnly cookie; this store keeps only what the page needs: the user, the CSRF token for writes
// and the chosen tenant (remembered per user).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, ApiError, configureApi } from '../api/http.ts';
import type { Membership, SessionInfo, User } from '../api/types.ts';
import { roleAllows, type Permission } from '../permissions.ts';

export type SessionStatus = 'unknown' | 'signedIn' | 'signedOut';

const tenantKey = (userId: string) => `penny.tenant.${userId}`;

export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus>('unknown');
  const user = ref<User | null>(null);
  const tenants = ref<Membership[]>([]);
  const csrfToken = ref<string | null>(null);
  const tenantSlug = ref<string | null>(null);
  /** Set when a request found the session gone, so the sign-in page can say why. */
  const expired = ref(false);

  const currentTenant = computed<Membership | null>(() => tenants.value.find((t) => t.slug === tenantSlug.value) ?? tenants.value[0] ?? null);
  const role = computed(() => currentTenant.value?.role ?? null);

  function can(permission: Permission): boolean {
    return roleAllows(role.value, permission);
  }

  function adopt(info: SessionInfo): void {
    user.value = info.user;
    tenants.value = info.tenants;
    csrfToken.value = info.csrfToken ?? null;
    const remembered = localStorage.getItem(tenantKey(info.user.id));
    tenantSlug.value = info.tenants.some((t) => t.slug === remembered) ? remembered : (info.tenants[0]?.slug ?? null);
    status.value = 'signedIn';
    expired.value = false;
  }

  function clear(): void {
    user.value = null;
    tenants.value = [];
    csrfToken.value = null;
    tenantSlug.value = null;
    status.value = 'signedOut';
  }

  configureApi({
    csrfToken: () => csrfToken.value,
    tenant: () => currentTenant.value?.slug ?? null,
    onUnauthorized: () => {
      if (status.value !== 'signedIn') return;
      clear();
      expired.value = true;
    },
  });

  async function restore(): Promise<void> {
    try {
      adopt(await api.get<SessionInfo>('/v1/auth/session', { tenant: false, expectUnauthorized: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) clear();
      else throw error;
    }
  }

  async function signIn(email: string, password: string): Promise<void> {
    // The response also carries a bearer token for API clients; the workbench relies on the cookie.
    const result = await api.post<SessionInfo & { token: string }>('/v1/auth/login', { email, password }, { tenant: false, expectUnauthorized: true });
    adopt({ user: result.user, tenants: result.tenants, csrfToken: result.csrfToken });
  }

  async function signOut(): Promise<void> {
    try {
      await api.post('/v1/auth/logout', {}, { tenant: false, expectUnauthorized: true });
    } finally {
      clear();
    }
  }

  function switchTenant(slug: string): void {
    if (!user.value || !tenants.value.some((t) => t.slug === slug)) return;
    tenantSlug.value = slug;
    localStorage.setItem(tenantKey(user.value.id), slug);
  }

  /** After accepting an invitation the user belongs to one more tenant. */
  async function refresh(): Promise<void> {
    adopt(await api.get<SessionInfo>('/v1/auth/session', { tenant: false }));
  }

  return { status, user, tenants, csrfToken, tenantSlug, expired, currentTenant, role, can, restore, signIn, signOut, switchTenant, refresh };
});
