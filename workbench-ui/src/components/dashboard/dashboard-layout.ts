// A dashboard's widgets on a 12-column grid (the manifest's `dashboards[].widgets` layout): merging a
// saved layout with the widgets a dashboard has now, moving and resizing with collisions pushed
// down, and the reading order that keyboard users tab through.

export const COLUMNS = 12;
export const MAX_ROWS = 24;

export interface GridItem {
  widget: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DashboardWidget {
  id: string;
  title: string;
  mimeType: string;
  data: unknown;
  layout: { x: number; y: number; w: number; h: number };
}

export interface DashboardData {
  slug: string;
  title: string;
  filters: Record<string, string | number>;
  widgets: DashboardWidget[];
}

const int = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : fallback);

/** Keeps an item on the grid: at least one cell, never past the twelfth column. */
export function clampItem(item: GridItem): GridItem {
  const w = Math.min(COLUMNS, Math.max(1, int(item.w, 6)));
  const h = Math.min(MAX_ROWS, Math.max(1, int(item.h, 4)));
  return { widget: item.widget, w, h, x: Math.min(COLUMNS - w, Math.max(0, int(item.x, 0))), y: Math.max(0, int(item.y, 0)) };
}

export function overlaps(a: GridItem, b: GridItem): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Items in reading order: row by row, left to right. */
export function readingOrder(items: readonly GridItem[]): GridItem[] {
  return [...items].sort((a, b) => a.y - b.y || a.x - b.x);
}

/** Places `fixed` first, then every other item where it was or, if that is taken, further down. */
function settle(fixed: GridItem, others: readonly GridItem[]): GridItem[] {
  const placed: GridItem[] = [fixed];
  for (const item of readingOrder(others)) {
    const next = { ...item };
    while (placed.some((p) => overlaps(p, next))) next.y++;
    placed.push(next);
  }
  return placed;
}

/** The dashboard's own layout, overridden by a saved one for widgets it still has. */
export function mergeLayout(widgets: readonly DashboardWidget[], saved: readonly GridItem[] | null | undefined): GridItem[] {
  const savedById = new Map((saved ?? []).map((item) => [item.widget, item]));
  const items: GridItem[] = [];
  for (const widget of widgets) {
    const item = clampItem(savedById.get(widget.id) ?? { widget: widget.id, ...widget.layout });
    while (items.some((other) => overlaps(other, item))) item.y++;
    items.push(item);
  }
  return items;
}

/** Moves or resizes one widget; widgets in its way move down. Returns a new layout. */
export function placeItem(items: readonly GridItem[], widget: string, change: Partial<Omit<GridItem, 'widget'>>): GridItem[] {
  const current = items.find((item) => item.widget === widget);
  if (!current) return [...items];
  const next = clampItem({ ...current, ...change });
  return settle(
    next,
    items.filter((item) => item.widget !== widget),
  );
}

/** Same layout, same order of widgets (for saving and comparing). */
export function sameLayout(a: readonly GridItem[], b: readonly GridItem[]): boolean {
  const key = (items: readonly GridItem[]) => JSON.stringify([...items].sort((p, q) => p.widget.localeCompare(q.widget)));
  return key(a) === key(b);
}

/** Reads a dashboard artifact's data; null when it is not one. */
export function dashboardOf(data: unknown): DashboardData | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Partial<DashboardData>;
  if (typeof d.slug !== 'string' || !Array.isArray(d.widgets)) return null;
  const widgets = d.widgets.filter(
    (w): w is DashboardWidget =>
      typeof w === 'object' &&
      w !== null &&
      typeof w.id === 'string' &&
      typeof w.mimeType === 'string' &&
      typeof w.layout === 'object' &&
      w.layout !== null,
  );
  return {
    slug: d.slug,
    title: typeof d.title === 'string' ? d.title : d.slug,
    filters: (d.filters ?? {}) as DashboardData['filters'],
    widgets,
  };
}
