// Preferences the kernel keeps per user and tenant (GET/PUT/DELETE /v1/me/preferences/:key), for
// choices that should follow the user to another browser, such as a dashboard's layout.
import { defineStore } from 'pinia';
import { api, ApiError } from '../api/http.ts';
import type { JsonValue } from '../api/types.ts';

interface StoredPreference {
  key: string;
  value: JsonValue;
  updatedAt: string;
}

const path = (key: string) => `/v1/me/preferences/${encodeURIComponent(key)}`;

export const useRemotePreferencesStore = defineStore('remote-preferences', () => {
  /** The saved value, or null when there is none. */
  async function get<T extends JsonValue>(key: string): Promise<T | null> {
    try {
      return (await api.get<StoredPreference>(path(key))).value as T;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async function set(key: string, value: JsonValue): Promise<void> {
    await api.put<StoredPreference>(path(key), { value });
  }

  async function remove(key: string): Promise<void> {
    await api.delete(path(key));
  }

  return { get, set, remove };
});
