// Dashboard mode: the dashboard shown full screen, loaded by calling its tool (load_dashboard) with
// filters, the trail of drill-downs that led to it, and the user's own arrangement of its widgets,
// kept by the kernel per user and tenant.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { api } from '../api/http.ts';
import type { JsonValue, ToolInvocation } from '../api/types.ts';
import { dashboardOf, mergeLayout, type DashboardData, type GridItem } from '../components/dashboard/dashboard-layout.ts';
import { useRemotePreferencesStore } from './preferences-remote.ts';
import { useSessionStore } from './session.ts';

export const DASHBOARD_MIME = 'application/vnd.penny.dashboard+json';
export const DASHBOARD_TOOL = 'load_dashboard';
const RETURN_KEY = 'penny.dashboardReturn';

export type DashboardFilters = Record<string, string | number>;

export interface Crumb {
  label: string;
  filters: DashboardFilters;
}

export const layoutKey = (slug: string) => `dashboard.layout.${slug}`;

/** The filters a dashboard URL carries (`?period=QTD&unit=bu&id=cloud&months=12`). */
export function filtersFromQuery(query: URLSearchParams): DashboardFilters {
  const filters: DashboardFilters = {};
  for (const name of ['period', 'unit', 'id']) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  const months = Number(query.get('months'));
  if (Number.isInteger(months) && months > 0) filters.months = months;
  return filters;
}

export function dashboardPath(slug: string, filters: DashboardFilters): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== '' && value !== undefined) query.set(name, String(value));
  const text = query.toString();
  return `/dashboards/${encodeURIComponent(slug)}${text ? `?${text}` : ''}`;
}

export const useDashboardsStore = defineStore('dashboards', () => {
  const session = useSessionStore();
  const remote = useRemotePreferencesStore();
  const dashboard = shallowRef<DashboardData | null>(null);
  const layout = ref<GridItem[]>([]);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const saveError = ref<unknown>(null);
  /** Where leaving dashboard mode goes: the page it was opened from (kept for this tab, across reloads). */
  const returnPath = ref(sessionStorage.getItem(RETURN_KEY) ?? '/');
  watch(returnPath, (path) => sessionStorage.setItem(RETURN_KEY, path));
  let savedLayout: GridItem[] | null = null;
  let savedFor = '';
  let request = 0;

  async function load(slug: string, filters: DashboardFilters): Promise<void> {
    const mine = ++request;
    loading.value = true;
    error.value = null;
    try {
      const [invocation, saved] = await Promise.all([
        api.post<ToolInvocation>(`/v1/tools/${DASHBOARD_TOOL}/invoke`, { arguments: { slug, filters } }),
        savedFor === `${session.currentTenant?.slug}/${slug}`
          ? Promise.resolve(savedLayout)
          : remote.get<JsonValue>(layoutKey(slug)).catch(() => null),
      ]);
      if (mine !== request) return;
      const artifact = invocation.artifacts.find((a) => a.mimeType === DASHBOARD_MIME);
      const data = artifact ? dashboardOf(artifact.data) : null;
      if (!data) throw new Error(`${DASHBOARD_TOOL} returned no dashboard for "${slug}"`);
      savedLayout = (saved as { widgets?: GridItem[] } | null)?.widgets ?? null;
      savedFor = `${session.currentTenant?.slug}/${slug}`;
      dashboard.value = data;
      layout.value = mergeLayout(data.widgets, savedLayout);
    } catch (caught) {
      if (mine === request) error.value = caught;
    } finally {
      if (mine === request) loading.value = false;
    }
  }

  /** Shows and saves a new arrangement; on failure the arrangement stays and the error is shown. */
  async function saveLayout(next: GridItem[]): Promise<void> {
    if (!dashboard.value) return;
    layout.value = next;
    savedLayout = next;
    saveError.value = null;
    try {
      await remote.set(layoutKey(dashboard.value.slug), { widgets: next.map(({ widget, x, y, w, h }) => ({ widget, x, y, w, h })) });
    } catch (caught) {
      saveError.value = caught;
    }
  }

  /** Back to the dashboard's own arrangement. */
  async function resetLayout(): Promise<void> {
    if (!dashboard.value) return;
    savedLayout = null;
    layout.value = mergeLayout(dashboard.value.widgets, null);
    await remote.remove(layoutKey(dashboard.value.slug)).catch((caught: unknown) => (saveError.value = caught));
  }

  watch(
    () => session.currentTenant?.slug,
    () => {
      dashboard.value = null;
      layout.value = [];
      savedLayout = null;
      savedFor = '';
    },
  );

  return {
    dashboard,
    layout,
    returnPath,
    loading,
    error,
    saveError,
    load,
    saveLayout,
    resetLayout,
    widgets: computed(() => dashboard.value?.widgets ?? []),
  };
});
