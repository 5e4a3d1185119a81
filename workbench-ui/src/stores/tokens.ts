// Personal access tokens in the current tenant: the secret of a new token is held only until the
// user dismisses it, because the kernel never shows it again.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { api } from '../api/http.ts';
import type { ApiToken, CreatedToken, Role } from '../api/types.ts';
import { useSessionStore } from './session.ts';

export interface NewToken {
  name: string;
  roles: Role[];
  expiresInDays: number | null;
}

export const useTokensStore = defineStore('tokens', () => {
  const session = useSessionStore();
  const tokens = ref<ApiToken[]>([]);
  const showAll = ref(false);
  const revealed = ref<CreatedToken | null>(null);

  async function load(): Promise<void> {
    tokens.value = await api.get<ApiToken[]>('/v1/tokens', { query: { all: showAll.value || undefined } });
  }

  async function create(input: NewToken): Promise<CreatedToken> {
    const body: Record<string, unknown> = { name: input.name, expiresInDays: input.expiresInDays };
    if (input.roles.length) body.roles = input.roles;
    const created = await api.post<CreatedToken>('/v1/tokens', body);
    revealed.value = created;
    const { token: _secret, ...listed } = created;
    tokens.value = [listed, ...tokens.value];
    return created;
  }

  async function revoke(id: string): Promise<void> {
    await api.delete(`/v1/tokens/${id}`);
    const now = new Date().toISOString();
    tokens.value = tokens.value.map((t) => (t.id === id ? { ...t, revokedAt: now } : t));
  }

  function forgetSecret(): void {
    revealed.value = null;
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      tokens.value = [];
      revealed.value = null;
    },
  );

  return { tokens, showAll, revealed, load, create, revoke, forgetSecret };
});
