// The tenant's audit log: filtered pages, newest first, "load older" with the `before` cursor, and
// verification of the hash chain.
import { defineStore } from 'pinia';
import { reactive, ref, watch } from 'vue';
import { api } from '../api/http.ts';
import type { AuditEvent, AuditOutcome, AuditPage, AuditVerification } from '../api/types.ts';
import { useSessionStore } from './session.ts';

export interface AuditFilters {
  action: string;
  outcome: AuditOutcome | '';
  /** yyyy-mm-dd from a date input; converted to a day boundary in local time. */
  since: string;
  until: string;
}

const PAGE_SIZE = 50;

function dayBoundary(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  const date = new Date(`${day}T00:00:00`);
  if (end) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

export const useAuditStore = defineStore('audit', () => {
  const session = useSessionStore();
  const filters = reactive<AuditFilters>({ action: '', outcome: '', since: '', until: '' });
  const events = ref<AuditEvent[]>([]);
  const nextCursor = ref<number | null>(null);
  const verification = ref<AuditVerification | null>(null);

  async function fetchPage(before?: number): Promise<AuditPage> {
    return api.get<AuditPage>('/v1/audit', {
      query: {
        action: filters.action.trim() || undefined,
        outcome: filters.outcome || undefined,
        since: dayBoundary(filters.since, false),
        until: dayBoundary(filters.until, true),
        before,
        limit: PAGE_SIZE,
      },
    });
  }

  async function search(): Promise<void> {
    const page = await fetchPage();
    events.value = page.items;
    nextCursor.value = page.nextCursor;
  }

  async function loadOlder(): Promise<void> {
    if (nextCursor.value === null) return;
    const page = await fetchPage(nextCursor.value);
    events.value = [...events.value, ...page.items];
    nextCursor.value = page.nextCursor;
  }

  async function verify(): Promise<AuditVerification> {
    verification.value = await api.get<AuditVerification>('/v1/audit/verify');
    return verification.value;
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      events.value = [];
      nextCursor.value = null;
      verification.value = null;
    },
  );

  return { filters, events, nextCursor, verification, search, loadOlder, verify, pageSize: PAGE_SIZE };
});
